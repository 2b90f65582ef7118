// The report's page script, inlined into report.html after lightweight-charts and uPlot (both inlined too;
// no network): reads the JSON in <script id="sim-data"> and builds, per instance, the headline figures, what
// blocked trading, the candlestick chart (fills as markers at their price, grid levels and stops as lines
// over time, the orders open at the right edge of the view as price lines), the uPlot charts (equity and
// drawdown, position, exposure and leverage, liquidation distance; zoom synced with the candles) and the
// tables (trades paged from the JSON, levels, days, weeks, alerts, conditions, summary). Everything from the
// data goes in through textContent, never as HTML. Sets <body data-ready="1"> when every chart is drawn, and
// window.__report with what was drawn (for the browser test).
(() => {
  const data = JSON.parse(document.getElementById('sim-data').textContent);
  const LW = window.LightweightCharts;
  const UPlot = window.uPlot;
  const report = { instances: [] };
  window.__report = report;

  const el = (tag, attrs, parent, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  };
  const pad2 = (n) => String(n).padStart(2, '0');
  const timeText = (ms) => {
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  };
  const signClass = (text) => {
    const n = Number(String(text).replace(/[^0-9.eE+-]/g, ''));
    return Number.isFinite(n) && n !== 0 ? (n > 0 ? 'pos' : 'neg') : '';
  };
  const decimalsOf = (text) => {
    const s = String(text ?? '');
    const i = s.indexOf('.');
    return i < 0 ? 0 : s.length - i - 1;
  };
  const COLORS = { buy: '#1c71d8', sell: '#e66100', stop: '#a51d2d', level: '#8a94a6', eq: '#2a3f5f' };

  /** A table of `rows` (arrays of cell text), paged; `onRow(row)` makes rows clickable. */
  function table(host, name, columns, rows, opts = {}) {
    const box = el('div', { 'data-table': name, 'data-rows': rows.length }, host);
    const pager = el('div', { class: 'pager' }, box);
    const wrap = el('div', { class: 'wrap' }, box);
    const t = el('table', {}, wrap);
    const headRow = el('tr', {}, el('thead', {}, t));
    for (const c of columns) el('th', {}, headRow, c);
    const body = el('tbody', {}, t);
    let size = opts.pageSize || 100;
    let page = 0;
    const info = el('span', {}, pager);
    const prev = el('button', { type: 'button' }, pager, '‹ prev');
    const next = el('button', { type: 'button' }, pager, 'next ›');
    const sel = el('select', { 'aria-label': 'rows per page' }, pager);
    for (const n of [50, 100, 500, 2000, 'all']) el('option', { value: n }, sel, `${n} per page`);
    sel.value = String(size);
    const draw = () => {
      const pages = Math.max(1, Math.ceil(rows.length / size));
      page = Math.min(page, pages - 1);
      body.textContent = '';
      for (const row of rows.slice(page * size, page * size + size)) {
        const tr = el('tr', opts.onRow ? { class: 'go' } : {}, body);
        row.forEach((cell, i) => {
          const td = el('td', {}, tr, cell === null || cell === undefined ? '—' : String(cell));
          if (opts.signed?.includes(i)) td.className = signClass(cell);
        });
        if (opts.onRow) tr.addEventListener('click', () => opts.onRow(row));
      }
      info.textContent = `${rows.length} rows${rows.length > size ? `, page ${page + 1} of ${pages}` : ''} `;
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
      pager.style.display = rows.length > 0 ? '' : 'none';
    };
    prev.addEventListener('click', () => {
      page -= 1;
      draw();
    });
    next.addEventListener('click', () => {
      page += 1;
      draw();
    });
    sel.addEventListener('change', () => {
      size = sel.value === 'all' ? Number.MAX_SAFE_INTEGER : Number(sel.value);
      page = 0;
      draw();
    });
    if (rows.length === 0) el('p', { class: 'sub' }, box, opts.empty || 'none');
    draw();
    return box;
  }

  /** Bar times (seconds) from the delta-coded column, and a lookup of the bar holding a time. */
  function barsOf(inst) {
    const times = [];
    let acc = 0;
    for (const d of inst.bars.t) {
      acc += d;
      times.push(acc);
    }
    const snap = (ms) => {
      // The last bar opening at or before ms (the first bar for earlier times).
      const sec = ms / 1000;
      let lo = 0;
      let hi = times.length - 1;
      if (hi < 0) return Math.floor(sec);
      if (sec <= times[0]) return times[0];
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (times[mid] <= sec) lo = mid;
        else hi = mid - 1;
      }
      return times[lo];
    };
    const after = (sec) => {
      let lo = 0;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid] <= sec) lo = mid + 1;
        else hi = mid;
      }
      return lo < times.length ? times[lo] : null;
    };
    return { times, snap, after };
  }

  /** Line data for intervals [fromSec, toSec] at one value, broken (whitespace) between them. */
  function intervalLine(intervals, after) {
    const pts = [];
    let last = -Infinity;
    for (const [a, b, v] of intervals.sort((x, y) => x[0] - y[0])) {
      if (a <= last) {
        // Overlaps or touches the last interval: extend it.
        if (b > last) {
          pts.push({ time: b, value: v });
          last = b;
        }
        continue;
      }
      if (pts.length > 0) {
        const gap = after(last);
        if (gap !== null && gap < a) pts.push({ time: gap });
      }
      pts.push({ time: a, value: v });
      if (b > a) pts.push({ time: b, value: v });
      last = b;
    }
    return pts;
  }

  function priceChart(host, inst, sync) {
    const legend = el('div', { class: 'legend' }, host);
    const addKey = (color, text, dashed) => {
      const s = el('span', {}, legend);
      el(
        'i',
        {
          class: 'sw',
          style: `background:${dashed ? `repeating-linear-gradient(90deg,${color} 0 4px,transparent 4px 7px)` : color}`,
        },
        s,
      );
      s.appendChild(document.createTextNode(text));
    };
    addKey(COLORS.buy, '▲ buy fill / buy order');
    addKey(COLORS.sell, '▼ sell fill / sell order');
    addKey(COLORS.level, 'grid level', true);
    addKey(COLORS.stop, 'stop', true);
    el(
      'span',
      {},
      legend,
      `bars of ${inst.barMs >= 60000 ? `${inst.barMs / 60000} min` : `${inst.barMs / 1000} s`} · orders shown are those open at the right edge of the view`,
    );
    const box = el('div', { class: 'lw', 'data-chart': 'price' }, el('div', { class: 'panel' }, host));
    const { times, snap, after } = barsOf(inst);
    const decimals = Math.min(10, Math.max(decimalsOf(inst.tickSize || '0.01'), 2));
    const chart = LW.createChart(box, {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#3d4b63', fontSize: 11 },
      grid: { vertLines: { color: '#f0f2f5' }, horzLines: { color: '#f0f2f5' } },
      crosshair: { mode: LW.CrosshairMode.Normal },
      timeScale: {
        timeVisible: true,
        secondsVisible: inst.barMs < 60000,
        rightOffset: 4,
        minBarSpacing: 0.001,
      },
      rightPriceScale: { scaleMargins: { top: 0.05, bottom: 0.05 } },
    });
    const priceFormat = { type: 'price', precision: decimals, minMove: 10 ** -decimals };
    const candles = chart.addSeries(LW.CandlestickSeries, {
      upColor: '#26a269',
      downColor: '#c01c28',
      wickUpColor: '#26a269',
      wickDownColor: '#c01c28',
      borderVisible: false,
      priceFormat,
    });
    candles.setData(
      times.map((time, i) => ({
        time,
        open: inst.bars.o[i],
        high: inst.bars.h[i],
        low: inst.bars.l[i],
        close: inst.bars.c[i],
      })),
    );
    // Grid levels over time: one line per price, drawn while a span holds it (the longest-lived 150 prices).
    const endMs = times.length > 0 ? times[times.length - 1] * 1000 + inst.barMs : 0;
    const byPrice = new Map();
    for (const span of inst.levels) {
      for (const p of span.prices) {
        const list = byPrice.get(p) || [];
        list.push([snap(span.from), snap(Math.max(span.to, span.from)), Number(p)]);
        byPrice.set(p, list);
      }
    }
    const levelPrices = [...byPrice.entries()]
      .map(([p, list]) => [p, list, list.reduce((a, x) => a + x[1] - x[0], 0)])
      .sort((a, b) => b[2] - a[2])
      .slice(0, 150);
    const lineOpts = (color, style, width) => ({
      color,
      lineWidth: width || 1,
      lineStyle: style,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
      pointMarkersVisible: false,
      priceFormat,
    });
    for (const [, list] of levelPrices) {
      const s = chart.addSeries(LW.LineSeries, lineOpts(COLORS.level, LW.LineStyle.SparseDotted));
      s.setData(intervalLine(list, after));
    }
    // Stops over time, per leg.
    const stopLegs = new Map();
    for (const [from, to, price, leg] of inst.stops) {
      const list = stopLegs.get(leg) || [];
      list.push([snap(from), snap(to === null ? endMs : to), Number(price)]);
      stopLegs.set(leg, list);
    }
    for (const [, list] of stopLegs) {
      const s = chart.addSeries(LW.LineSeries, {
        ...lineOpts(COLORS.stop, LW.LineStyle.Dashed, 2),
        lineType: LW.LineType.WithSteps,
      });
      s.setData(intervalLine(list, after));
    }
    // Every fill, at its price, on the bar holding it.
    const markers = inst.trades
      .map((t) => ({
        time: snap(t[0]),
        position: 'atPriceMiddle',
        price: Number(t[2]),
        color: t[1] === 'buy' ? COLORS.buy : COLORS.sell,
        shape: t[1] === 'buy' ? 'arrowUp' : 'arrowDown',
        size: 1,
      }))
      .sort((a, b) => a.time - b.time);
    const markerApi = LW.createSeriesMarkers(candles, markers, { zOrder: 'top' });
    // The orders (and stops) open at the right edge of the visible range, as price lines.
    let lines = [];
    const openAt = (ms) => {
      for (const l of lines) candles.removePriceLine(l);
      lines = [];
      for (const [from, to, side, price, qty] of inst.orders)
        if (from <= ms && (to === null || to > ms))
          lines.push(
            candles.createPriceLine({
              price: Number(price),
              color: side === 'buy' ? COLORS.buy : COLORS.sell,
              lineWidth: 1,
              lineStyle: LW.LineStyle.Solid,
              axisLabelVisible: true,
              title: `${side} ${qty}`,
            }),
          );
      for (const [from, to, price, leg] of inst.stops)
        if (from <= ms && (to === null || to > ms))
          lines.push(
            candles.createPriceLine({
              price: Number(price),
              color: COLORS.stop,
              lineWidth: 2,
              lineStyle: LW.LineStyle.Dashed,
              axisLabelVisible: true,
              title: `stop${leg ? ` ${leg}` : ''}`,
            }),
          );
    };
    let pending = false;
    chart.timeScale().subscribeVisibleTimeRangeChange((range) => {
      if (!range || pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        const r = chart.timeScale().getVisibleRange();
        if (!r) return;
        openAt(Math.min(r.to * 1000 + inst.barMs - 1, endMs));
        sync.fromPrice(r.from, r.to);
      });
    });
    openAt(endMs);
    // The whole run in view at first; wheel or drag to zoom down to single bars.
    chart.timeScale().fitContent();
    return {
      chart,
      candles,
      markerCount: () => markerApi.markers().length,
      priceLines: () => lines.length,
      setRange: (from, to) => chart.timeScale().setVisibleRange({ from, to }),
      bars: times.length,
      levelSeries: levelPrices.length,
    };
  }

  /** A uPlot chart of series over `x` (seconds), width of its host, zoom synced through `sync`. */
  function uplotChart(host, name, title, x, series, sync, opts = {}) {
    el('h3', {}, host, title);
    const box = el('div', { class: 'panel', 'data-chart': name }, host);
    const width = Math.max(300, box.clientWidth - 12);
    const u = new UPlot(
      {
        width,
        height: opts.height || 180,
        cursor: { sync: { key: sync.key, setSeries: false }, drag: { x: true, y: false } },
        scales: { x: { time: true }, ...(opts.scales || {}) },
        axes: opts.axes || [{}, { size: 70 }],
        series: [
          { label: 'time (UTC)', value: (_u, v) => (v === null ? '—' : timeText(v * 1000)) },
          ...series.map((s) => s.opts),
        ],
        tzDate: (ts) => UPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        hooks: {
          setScale: [
            (self, key) => {
              if (key !== 'x') return;
              const { min, max } = self.scales.x;
              sync.fromUplot(self, min, max);
            },
          ],
        },
      },
      [x, ...series.map((s) => s.data)],
      box,
    );
    sync.add(u);
    new ResizeObserver(() =>
      u.setSize({ width: Math.max(300, box.clientWidth - 12), height: u.height }),
    ).observe(box);
    return u;
  }

  function makeSync(key) {
    const plots = [];
    let price = null;
    let busy = false;
    return {
      key,
      add: (u) => plots.push(u),
      setPrice: (p) => {
        price = p;
      },
      fromPrice(from, to) {
        if (busy) return;
        busy = true;
        for (const u of plots) u.setScale('x', { min: from, max: to });
        busy = false;
      },
      fromUplot(src, min, max) {
        if (busy) return;
        busy = true;
        for (const u of plots) if (u !== src) u.setScale('x', { min, max });
        if (price && min !== null && max !== null) price.setRange(min, max);
        busy = false;
      },
    };
  }

  function instance(root, inst, index) {
    const sec = el('section', { 'data-instance': inst.id }, root);
    el('h2', {}, sec, `${inst.id} — ${inst.strategy} on ${inst.symbol}`);
    // Headline figures.
    const cards = el('div', { class: 'cards' }, sec);
    for (const [key, label, shown, raw, hint] of inst.headline) {
      const c = el('div', { class: 'card', 'data-key': key, 'data-value': raw === null ? '' : raw }, cards);
      el('div', { class: 'k' }, c, label);
      const v = el('div', { class: 'v' }, c, shown);
      if (/Pct|Pnl|gridProfit/.test(key) && key !== 'maxDrawdownPct' && !key.startsWith('exposure'))
        v.className += ` ${signClass(raw)}`;
      el('div', { class: 'h' }, c, hint);
    }
    // What blocked trading.
    const note = inst.blocked?.note;
    el(
      'div',
      { class: `blocked${note ? '' : ' none'}`, 'data-blocked': note ? '1' : '0' },
      sec,
      note ? `⚠ ${note}` : '',
    );

    const sync = makeSync(`sync-${index}`);
    const price = inst.bars.t.length > 0 ? priceChart(sec, inst, sync) : null;
    if (!price) el('p', { class: 'sub' }, sec, 'no market data to draw');
    sync.setPrice(price);

    // Series charts.
    const x = inst.series.map((r) => r[0] / 1000);
    const equity = inst.series.map((r) => Number(r[2]));
    let peak = -Infinity;
    const drawdown = equity.map((e) => {
      peak = Math.max(peak, e);
      return peak > 0 ? -((peak - e) / peak) * 100 : 0;
    });
    const plots = [];
    if (x.length > 0) {
      plots.push(
        uplotChart(
          sec,
          'equity',
          `Equity (${inst.quote}${inst.accounts > 1 ? `, ${inst.accounts} accounts` : ''}) and drawdown (%)`,
          x,
          [
            {
              opts: { label: `equity ${inst.quote}`, stroke: COLORS.eq, width: 1.5, scale: 'eq' },
              data: equity,
            },
            {
              opts: {
                label: 'drawdown %',
                stroke: '#c01c28',
                fill: 'rgba(192,28,40,0.08)',
                width: 1,
                scale: 'dd',
              },
              data: drawdown,
            },
          ],
          sync,
          {
            height: 220,
            scales: { eq: {}, dd: {} },
            axes: [{}, { scale: 'eq', size: 80 }, { scale: 'dd', side: 1, size: 60, grid: { show: false } }],
          },
        ),
      );
      const legSeries = inst.legs.map((role, i) => ({
        opts: {
          label: `${role} (${inst.base})`,
          stroke: ['#26a269', '#c01c28', '#9141ac', '#986a44'][i % 4],
          width: 1,
        },
        data: inst.series.map((r) => Number(r[3 + i])),
      }));
      plots.push(
        uplotChart(
          sec,
          'position',
          `Position (${inst.base}; long +, short −)`,
          x,
          [
            {
              opts: {
                label: `net ${inst.base}`,
                stroke: '#3d4b63',
                width: 1.5,
                paths: UPlot.paths.stepped({ align: 1 }),
              },
              data: inst.series.map((r) => Number(r[1])),
            },
            ...legSeries,
          ],
          sync,
        ),
      );
      const notional = inst.risk.map((r) => Number(r[1]));
      plots.push(
        uplotChart(
          sec,
          'exposure',
          `Exposure (${inst.quote}, Σ |position| × mark) and leverage (exposure / equity)`,
          x,
          [
            {
              opts: { label: `exposure ${inst.quote}`, stroke: '#1c71d8', width: 1.5, scale: 'n' },
              data: notional,
            },
            {
              opts: {
                label: 'leverage ×',
                stroke: '#e66100',
                width: 1,
                scale: 'lev',
                value: (_u, v) => (v === null ? '—' : v.toFixed(3)),
              },
              data: notional.map((n, i) => (equity[i] > 0 ? n / equity[i] : null)),
            },
          ],
          sync,
          {
            scales: { n: {}, lev: {} },
            axes: [{}, { scale: 'n', size: 80 }, { scale: 'lev', side: 1, size: 50, grid: { show: false } }],
          },
        ),
      );
      const liq = inst.risk.map((r) => (r[2] === null ? null : Number(r[2]) * 100));
      if (liq.some((v) => v !== null))
        plots.push(
          uplotChart(
            sec,
            'liquidation',
            'Distance from mark to the nearest liquidation price (%)',
            x,
            [
              {
                opts: { label: 'to liquidation %', stroke: '#a51d2d', width: 1.5, spanGaps: false },
                data: liq,
              },
            ],
            sync,
          ),
        );
      else
        el(
          'p',
          { class: 'sub', 'data-chart': 'liquidation-none' },
          sec,
          'No liquidation price during the run (no position, or margin covers it entirely).',
        );
    }

    // Tables.
    const goTo = (ms) => {
      if (!price) return;
      const span = Math.max(inst.barMs * 60, 3600000) / 1000;
      price.setRange(ms / 1000 - span, ms / 1000 + span);
      sec.querySelector('[data-chart="price"]').scrollIntoView({ behavior: 'instant', block: 'center' });
    };
    el(
      'h3',
      {},
      sec,
      `Trades (every fill; round-trip profit is net of both fills' fees, matched last in, first out: each sell with the buy just below it)`,
    );
    const multi = inst.legs.length > 0;
    table(
      sec,
      'trades',
      [
        'time (UTC)',
        'side',
        'price',
        'qty',
        'fee',
        'reason',
        'level',
        ...(multi ? ['leg'] : []),
        'closed qty',
        'round-trip profit',
      ],
      inst.trades.map((t) => [
        timeText(t[0]),
        t[1],
        t[2],
        t[3],
        t[4],
        t[5],
        t[6],
        ...(multi ? [t[7]] : []),
        t[8],
        t[9],
      ]),
      {
        pageSize: 100,
        signed: [multi ? 9 : 8],
        empty: 'no fills',
        onRow: (row) => goTo(Date.parse(`${row[0].replace(' ', 'T')}Z`)),
      },
    );
    const p = inst.performance;
    el('h3', {}, sec, 'Per level (round-trip profit credited to the level the lot was bought at)');
    table(
      sec,
      'levels',
      ['level', 'buys', 'sells', 'bought', 'sold', 'fees', 'round trips', 'profit', 'time locked (days)'],
      p.levels.map((l) => [
        l.level,
        l.buys,
        l.sells,
        l.boughtQty,
        l.soldQty,
        l.fees,
        l.roundTrips,
        l.profit,
        l.timeLockedDays,
      ]),
      { pageSize: 100, signed: [7] },
    );
    const periodCols = [
      'period (UTC)',
      'open equity',
      'close equity',
      'PnL',
      'return %',
      'fills (buy/sell)',
      'fees',
      'grid profit',
      'funding',
    ];
    const periodRow = (d) => [
      d.period,
      d.openEquity,
      d.closeEquity,
      d.pnl,
      d.returnPct,
      `${d.fills} (${d.buys}/${d.sells})`,
      d.fees,
      d.gridProfit,
      d.funding,
    ];
    el('h3', {}, sec, 'Daily');
    table(sec, 'daily', periodCols, p.daily.map(periodRow), { pageSize: 50, signed: [3, 4] });
    el('h3', {}, sec, 'Weekly (ISO weeks, from Monday)');
    table(sec, 'weekly', periodCols, p.weekly.map(periodRow), { pageSize: 50, signed: [3, 4] });
    el('h3', {}, sec, 'Conditions (raised until resolved; ⚠ = held trading back)');
    const blockedKeys = new Set((inst.blocked?.conditions || []).map((b) => `${b.code}|${b.from}`));
    table(
      sec,
      'conditions',
      ['', 'code', 'severity', 'from', 'to', 'days', 'message'],
      p.conditions.map((c) => [
        blockedKeys.has(`${c.code}|${c.from}`) ? '⚠' : '',
        c.code,
        c.severity,
        c.from,
        c.to ?? 'still raised at the end',
        c.durationDays,
        c.message,
      ]),
      { empty: 'no warning or critical condition was raised' },
    );
    el('h3', {}, sec, 'Alerts');
    table(
      sec,
      'alerts',
      ['time (UTC)', 'severity', 'code', 'message'],
      inst.alerts.map((a) => [timeText(a[0]), a[1], a[2], a[3]]),
      {
        pageSize: 50,
        empty: 'no alerts',
        onRow: (row) => goTo(Date.parse(`${row[0].replace(' ', 'T')}Z`)),
      },
    );
    el('h3', {}, sec, 'Summary');
    const st = el('table', { 'data-table': 'summary' }, sec);
    for (const [k, v] of inst.summary) {
      const tr = el('tr', {}, st);
      el('td', {}, tr, k);
      el('td', {}, tr, v);
    }
    report.instances.push({
      id: inst.id,
      markers: price ? price.markerCount() : 0,
      bars: price ? price.bars : 0,
      levelSeries: price ? price.levelSeries : 0,
      priceLines: () => (price ? price.priceLines() : 0),
      setRange: (from, to) => price?.setRange(from, to),
      plots: plots.map((u) => ({ series: u.series.length, points: u.data[0].length })),
    });
  }

  const root = document.getElementById('instances');
  data.instances.forEach((inst, i) => {
    instance(root, inst, i);
  });
  document.getElementById('config').textContent = JSON.stringify(data.config, null, 2);
  // Two frames: the charts paint on the next animation frame.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      document.body.dataset.ready = '1';
    }),
  );
})();
