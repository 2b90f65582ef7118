// The report's chart renderer, inlined into report.html (no library, no network): reads the JSON in
// <script id="sim-data"> and draws, per instance, price candles with grid levels, orders, stops and fills,
// then position and equity over time, as SVG. Sets <body data-ready="1"> when every chart is drawn.
(() => {
  const NS = 'http://www.w3.org/2000/svg';
  const data = JSON.parse(document.getElementById('sim-data').textContent);

  const el = (name, attrs, parent) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  };
  const title = (node, text) => {
    el('title', {}, node).textContent = text;
    return node;
  };
  const num = (s) => Number(s);
  const pad2 = (n) => String(n).padStart(2, '0');
  const timeLabel = (t, span) => {
    const d = new Date(t);
    const day = `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    return span > 3 * 86400000 ? day : `${day} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  };
  const niceTicks = (lo, hi, count) => {
    const raw = (hi - lo) / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  };

  function frame(svg, box, x0, x1, y0, y1, fmt) {
    const sx = (t) => box.left + ((t - x0) / (x1 - x0 || 1)) * (box.width - box.left - box.right);
    const sy = (v) => box.top + (1 - (v - y0) / (y1 - y0 || 1)) * (box.height - box.top - box.bottom);
    const axis = el('g', { class: 'axis' }, svg);
    for (const v of niceTicks(y0, y1, 6)) {
      el('line', { x1: box.left, x2: box.width - box.right, y1: sy(v), y2: sy(v), class: 'grid' }, axis);
      el('text', { x: box.left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, axis).textContent = fmt(v);
    }
    const n = 8;
    for (let i = 0; i <= n; i++) {
      const t = x0 + ((x1 - x0) * i) / n;
      el('text', { x: sx(t), y: box.height - 6, 'text-anchor': 'middle' }, axis).textContent = timeLabel(
        t,
        x1 - x0,
      );
    }
    return { sx, sy };
  }

  function priceChart(host, inst) {
    const box = { width: 1100, height: 420, left: 70, right: 16, top: 12, bottom: 28 };
    const svg = el(
      'svg',
      { viewBox: `0 0 ${box.width} ${box.height}`, class: 'chart price', role: 'img' },
      host,
    );
    const bars = inst.bars;
    const x0 = bars[0][0];
    const x1 = bars[bars.length - 1][0] + inst.barMs;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const b of bars) {
      lo = Math.min(lo, num(b[3]));
      hi = Math.max(hi, num(b[2]));
    }
    for (const s of inst.levels)
      for (const p of s.prices)
        if (num(p) > lo * 0.9 && num(p) < hi * 1.1) {
          lo = Math.min(lo, num(p));
          hi = Math.max(hi, num(p));
        }
    const margin = (hi - lo) * 0.04 || hi * 0.01;
    const { sx, sy } = frame(svg, box, x0, x1, lo - margin, hi + margin, (v) => v.toPrecision(6));
    for (const ph of inst.phases || []) {
      const r = el(
        'rect',
        {
          x: sx(ph.from),
          y: box.top,
          width: Math.max(0, sx(ph.to) - sx(ph.from)),
          height: box.height - box.top - box.bottom,
          class: `phase ${ph.name}`,
        },
        svg,
      );
      title(r, ph.name);
    }
    const levels = el('g', { class: 'levels' }, svg);
    for (const s of inst.levels) {
      for (const p of s.prices) {
        const y = sy(num(p));
        if (y < box.top || y > box.height - box.bottom) continue;
        title(
          el(
            'line',
            { x1: sx(s.from), x2: sx(Math.max(s.to, s.from + inst.barMs)), y1: y, y2: y, class: 'level' },
            levels,
          ),
          `level ${p}`,
        );
      }
    }
    const candles = el('g', { class: 'candles' }, svg);
    const w = Math.max(1, ((box.width - box.left - box.right) / bars.length) * 0.7);
    for (const [t, o, h, l, c] of bars) {
      const x = sx(t + inst.barMs / 2);
      const up = num(c) >= num(o);
      const g = el('g', { class: up ? 'candle up' : 'candle down' }, candles);
      el('line', { x1: x, x2: x, y1: sy(num(h)), y2: sy(num(l)) }, g);
      const top = sy(Math.max(num(o), num(c)));
      el(
        'rect',
        { x: x - w / 2, y: top, width: w, height: Math.max(1, sy(Math.min(num(o), num(c))) - top) },
        g,
      );
      title(g, `${timeLabel(t, 0)} O ${o} H ${h} L ${l} C ${c}`);
    }
    const orders = el('g', { class: 'orders' }, svg);
    for (const [t, side, p] of inst.orders) {
      title(
        el(
          'line',
          { x1: sx(t) - 3, x2: sx(t) + 3, y1: sy(num(p)), y2: sy(num(p)), class: `order ${side}` },
          orders,
        ),
        `${side} order ${p}`,
      );
    }
    for (const [t, p] of inst.stops) {
      title(
        el('line', { x1: sx(t) - 5, x2: sx(t) + 5, y1: sy(num(p)), y2: sy(num(p)), class: 'stop' }, orders),
        `stop ${p}`,
      );
    }
    const fills = el('g', { class: 'fills' }, svg);
    for (const [t, side, p, q] of inst.fills) {
      const x = sx(t);
      const y = sy(num(p));
      const d = side === 'buy' ? `M${x},${y} l-5,9 l10,0 z` : `M${x},${y} l-5,-9 l10,0 z`;
      title(el('path', { d, class: `fill ${side}` }, fills), `${side} ${q} @ ${p} ${timeLabel(t, 0)}`);
    }
  }

  function lineChart(host, inst, index, label, cls) {
    const box = { width: 1100, height: 170, left: 70, right: 16, top: 10, bottom: 26 };
    const svg = el(
      'svg',
      { viewBox: `0 0 ${box.width} ${box.height}`, class: `chart ${cls}`, role: 'img' },
      host,
    );
    const pts = inst.series;
    const x0 = pts[0][0];
    const x1 = Math.max(pts[pts.length - 1][0], x0 + 1);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const p of pts) {
      lo = Math.min(lo, num(p[index]));
      hi = Math.max(hi, num(p[index]));
    }
    if (lo === hi) {
      lo -= 1;
      hi += 1;
    }
    const { sx, sy } = frame(svg, box, x0, x1, lo, hi, (v) => v.toPrecision(6));
    let d = '';
    pts.forEach((p, i) => {
      const x = sx(p[0]);
      const y = sy(num(p[index]));
      d += i === 0 ? `M${x},${y}` : cls === 'position' ? `H${x}V${y}` : `L${x},${y}`;
    });
    el('path', { d, class: 'series' }, svg);
    el('text', { x: box.left + 6, y: box.top + 12, class: 'label' }, svg).textContent = label;
  }

  function table(host, rows) {
    const t = document.createElement('table');
    for (const [k, v] of rows) {
      const tr = t.insertRow();
      tr.insertCell().textContent = k;
      tr.insertCell().textContent = v;
    }
    host.appendChild(t);
  }

  const root = document.getElementById('instances');
  for (const inst of data.instances) {
    const section = document.createElement('section');
    const h = document.createElement('h2');
    h.textContent = `${inst.id} · ${inst.symbol}`;
    section.appendChild(h);
    root.appendChild(section);
    if (inst.bars.length > 0) priceChart(section, inst);
    if (inst.series.length > 0) {
      const several = inst.legs.length > 0;
      lineChart(
        section,
        inst,
        1,
        `${several ? 'net position, all legs' : 'position'} (${inst.base})`,
        'position',
      );
      inst.legs.forEach((role, i) => {
        lineChart(section, inst, 3 + i, `${role} leg position (${inst.base})`, 'position');
      });
      lineChart(
        section,
        inst,
        2,
        `${inst.accounts > 1 ? 'combined equity of its accounts' : 'equity'} (${inst.quote})`,
        'equity',
      );
    }
    table(section, inst.summary);
  }
  document.body.dataset.ready = '1';
})();
