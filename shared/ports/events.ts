/**
 * Trading events: one record per thing the bot did or saw (an order placed, amended, cancelled or refused,
 * a fill, a stop placed or cancelled, an alert), with the ledger after it. The application services emit
 * them; sinks journal them to the store (AWS, local) or write `events.jsonl` (simulator). Decimals travel as
 * strings so a sink writes them losslessly.
 */
export type TradingEventType =
  | 'order_placed'
  | 'order_amended'
  | 'order_cancelled'
  | 'order_rejected'
  | 'fill'
  | 'stop_placed'
  | 'stop_cancelled'
  | 'alert';

export interface TradingEvent {
  /** Time (ms) by the clock port: virtual in simulation. */
  readonly ts: number;
  readonly type: TradingEventType;
  readonly instanceId: string;
  readonly side?: 'buy' | 'sell';
  readonly price?: string;
  readonly qty?: string;
  /** The level price the order serves. */
  readonly level?: string;
  readonly clientOrderId?: string;
  /** Holdings and average entry after the event. */
  readonly holdings?: string;
  readonly avgEntry?: string;
  readonly reason?: string;
  readonly severity?: 'info' | 'warning' | 'critical';
  readonly code?: string;
  /** For fills: exchange trade id, fee, maker flag. */
  readonly tradeId?: string;
  readonly fee?: string;
  /** The leg (role) of a multi-leg strategy's order, stop or fill, when it names one. */
  readonly leg?: string;
  /** What a multi-leg strategy said of an order (`OrderTag`): open or close, and its figures. */
  readonly orderRole?: 'open' | 'close';
  readonly paramsVersion?: number;
  readonly entry?: string;
  readonly spacing?: string;
  readonly allowance?: string;
}

/** Recording a fill again (same instance and trade id) keeps one: fills may be replayed from state. */
export interface EventSink {
  record(events: readonly TradingEvent[]): Promise<void>;
}
