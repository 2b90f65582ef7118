/**
 * Readers for the market-data files the paper exchange replays (the formats of `../shared/data`):
 * 1m OHLCV (`open_time_ms,open,high,low,close,volume`), 8h funding (`funding_time_ms,funding_rate`),
 * trade ticks (`trade_time_ms,trade_id,price,qty,is_buyer_maker`) and exchangeInfo JSON. Prices and sizes
 * go from the file's text straight to Decimal; a bad row fails with its file, line and column.
 */
import { readFileSync } from 'node:fs';
import { type Decimal, dec } from '../../domain/money.js';
import type { CandleInput, TradeInput } from './market-driver.js';

function rows(path: string, header: string): { line: number; cells: string[] }[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== header) {
    throw new Error(`${path}: expected header "${header}", got "${lines[0] ?? ''}"`);
  }
  const width = header.split(',').length;
  const out: { line: number; cells: string[] }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '') continue;
    const cells = l.split(',');
    if (cells.length !== width)
      throw new Error(`${path}:${i + 1}: expected ${width} columns, got ${cells.length}`);
    out.push({ line: i + 1, cells });
  }
  return out;
}

function int(text: string, where: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${where}: expected an integer, got ${JSON.stringify(text)}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${where}: ${text} is too large`);
  return n;
}

export function loadCandles(path: string): CandleInput[] {
  return rows(path, 'open_time_ms,open,high,low,close,volume').map(({ line, cells }) => {
    const w = `${path}:${line}`;
    return {
      openTime: int(cells[0]!, `${w} open_time_ms`),
      open: dec(cells[1]!, `${w} open`),
      high: dec(cells[2]!, `${w} high`),
      low: dec(cells[3]!, `${w} low`),
      close: dec(cells[4]!, `${w} close`),
      volume: dec(cells[5]!, `${w} volume`),
    };
  });
}

export function loadFunding(path: string): { fundingTime: number; fundingRate: Decimal }[] {
  return rows(path, 'funding_time_ms,funding_rate').map(({ line, cells }) => ({
    fundingTime: int(cells[0]!, `${path}:${line} funding_time_ms`),
    fundingRate: dec(cells[1]!, `${path}:${line} funding_rate`),
  }));
}

export function loadTrades(path: string): (TradeInput & { time: number; id: number })[] {
  return rows(path, 'trade_time_ms,trade_id,price,qty,is_buyer_maker').map(({ line, cells }) => {
    const w = `${path}:${line}`;
    const m = cells[4]!.trim();
    if (m !== 'true' && m !== 'false')
      throw new Error(`${w} is_buyer_maker: expected true or false, got ${m}`);
    return {
      time: int(cells[0]!, `${w} trade_time_ms`),
      id: int(cells[1]!, `${w} trade_id`),
      price: dec(cells[2]!, `${w} price`),
      qty: dec(cells[3]!, `${w} qty`),
      buyerIsMaker: m === 'true',
    };
  });
}

export function loadExchangeInfo(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}
