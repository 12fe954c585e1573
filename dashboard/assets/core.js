/* eventmap core — the pure, shared part of the browser side (our code, MIT).
 *
 * One copy serves both views: the Dash dashboard loads it as an asset (before eventmap.js), the
 * static export inlines it (before export.js), and node loads it as a CommonJS module in
 * tests/test_core_js.py. It never touches the DOM.
 *
 * It reads the compact payload of dashboard/payload.py (decodeBinary, decode), filters its rows
 * (filterRows), aggregates them per place (aggregate), bins dates (bins, series), finds the areas
 * under a point (areasAt) and keeps views in URLs (parseQuery, buildQuery).
 */
(function (root) {
  "use strict";

  const NO_DAY = -2147483648;
  const DAY_MS = 86400000;
  const EXACT = ["day", "publication"];
  const TYPES = {
    int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
    int32: Int32Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
  };

  // ------------------------------------------------------------------ small helpers
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(value) {
    return String(value === undefined || value === null ? "" : value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }
  const SPECIAL = { "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d" };
  /** Lower case without accents (the same folding as geodata.gazetteer.normalize.fold). */
  function fold(text) {
    return String(text || "")
      .toLowerCase()
      .replace(/[ßæœøđłıþð]/g, (c) => SPECIAL[c])
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "");
  }
  function isoDay(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }
  /** Day number (days since 1970-01-01) of a full ISO date, else null. */
  function parseDay(text) {
    if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(String(text).trim())) return null;
    const ms = Date.parse(String(text).trim() + "T00:00:00Z");
    return Number.isNaN(ms) ? null : Math.round(ms / DAY_MS);
  }
  function fmt(n) {
    return Number(n).toLocaleString("en-US");
  }
  function plural(n, word) {
    return `${fmt(n)} ${word}${n === 1 ? "" : "s"}`;
  }
  function lookup(labels, values) {
    // A membership table over label indices, or null when nothing is selected (= everything passes).
    if (!values || !values.length) return null;
    const wanted = new Set(values.map(String));
    const table = new Uint8Array(labels.length);
    labels.forEach((label, i) => {
      if (wanted.has(String(label))) table[i] = 1;
    });
    return table;
  }

  // ------------------------------------------------------------------ decoding
  /** The payload of dashboard.payload.encode_binary: JSON header + typed arrays over one ArrayBuffer. */
  function decodeBinary(buffer) {
    const bytes = new Uint8Array(buffer);
    if (String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== "EMB1") throw new Error("not an eventmap payload");
    const size = new DataView(buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder("utf-8").decode(bytes.subarray(8, 8 + size)));
    const base = 8 + size;
    for (const [name, spec] of Object.entries(header.arrays || {})) {
      const [type, offset, length] = spec;
      const array = new TYPES[type](buffer, base + offset, length);
      const path = name.split(".");
      let target = header;
      for (const part of path.slice(0, -1)) target = target[part] = target[part] || {};
      target[path[path.length - 1]] = array;
    }
    delete header.arrays;
    return header;
  }

  const typed = (Ctor, values) => (values instanceof Ctor ? values : Ctor.from(values || []));

  /** The decoded events (typed arrays and dictionaries) from a payload object. */
  function decode(payload) {
    const r = payload.rows;
    const pl = payload.places;
    const halo = {};
    for (const [k, v] of Object.entries(payload.halo_radius_m || {})) halo[Number(k)] = v;
    const data = {
      generation: payload.generation,
      n: payload.n,
      nEvents: payload.n_events,
      extent: payload.extent,
      extentAll: payload.extent_all || payload.extent,
      categories: payload.categories,
      subtypes: payload.subtypes,
      statuses: payload.statuses || ["reported"],
      mappedStatuses: payload.mapped_statuses || payload.statuses || ["reported"],
      countries: payload.countries,
      outlets: payload.outlets,
      roles: payload.roles,
      datePrecisions: payload.date_precisions,
      actors: payload.actors || [],
      halo,
      places: {
        n: pl.name.length,
        name: pl.name,
        kind: pl.kind,
        prec: typed(Uint8Array, pl.prec),
        lon: typed(Float64Array, pl.lon),
        lat: typed(Float64Array, pl.lat),
        k: typed(Int32Array, pl.k),
        shape: pl.shape ? typed(Int32Array, pl.shape) : null,
      },
      p: typed(Int32Array, r.p),
      c: typed(Uint8Array, r.c),
      s: typed(Int32Array, r.s),
      st: r.st ? typed(Uint8Array, r.st) : new Uint8Array(payload.n),
      d0: typed(Int32Array, r.d0),
      dd: typed(Int32Array, r.dd),
      dp: typed(Uint8Array, r.dp),
      k: typed(Int32Array, r.k),
      o: typed(Int32Array, r.o),
      r: typed(Uint8Array, r.r),
      ev: typed(Int32Array, r.ev),
      f: r.f ? typed(Int32Array, r.f) : new Int32Array(payload.n),
      ao: r.ao ? typed(Int32Array, r.ao) : new Int32Array(payload.n + 1),
      a: r.a ? typed(Int32Array, r.a) : new Int32Array(0),
    };
    // Whether each date precision pins a day (month and year dates are spans, not days).
    data.exact = Uint8Array.from(data.datePrecisions, (p) => (EXACT.includes(p) ? 1 : 0));
    return data;
  }

  /** The search text of dashboard.payload.text_payload. */
  function decodeText(payload) {
    return {
      sentences: payload.sentences,
      docs: payload.docs,
      docsFolded: payload.docs.map(fold),
      t: typed(Int32Array, payload.rows.t),
      doc: typed(Int32Array, payload.rows.doc),
      cache: null,
    };
  }

  /** Membership tables of the dictionaries a query matches (computed once per query). */
  function queryTables(data, text, query) {
    if (text.cache && text.cache.query === query && text.cache.generation === data.generation) return text.cache;
    const has = (list) => Uint8Array.from(list, (s) => (s.indexOf(query) >= 0 ? 1 : 0));
    data.placesFolded = data.placesFolded || data.places.name.map(fold);
    data.actorsFolded = data.actorsFolded || data.actors.map(fold);
    text.cache = {
      query, generation: data.generation,
      sentences: has(text.sentences), docs: has(text.docsFolded),
      places: has(data.placesFolded), actors: has(data.actorsFolded),
    };
    return text.cache;
  }

  // ------------------------------------------------------------------ filtering
  /**
   * Rows passing the filters.
   * spec: {categories, statuses (empty = none; undefined = the mapped statuses), subtypes,
   *        countries, sources, roles, actors (lists of labels; empty = all), window: [firstDay,
   *        lastDay] or null, query: text}
   * Returns {mask, context, shown, events, fatalities, textPending}: mask[i] = row i passes
   * everything; context[i] = row i passes everything but the date window (the timeline shows those).
   * `events` counts distinct events and `fatalities` sums them once per event.
   */
  function filterRows(data, spec, text) {
    const n = data.n;
    const mask = new Uint8Array(n);
    const context = new Uint8Array(n);
    const cat = lookup(data.categories, spec.categories || []) || new Uint8Array(data.categories.length);
    const statuses = spec.statuses === undefined || spec.statuses === null ? data.mappedStatuses : spec.statuses;
    const sta = lookup(data.statuses, statuses) || new Uint8Array(data.statuses.length);
    const sub = lookup(data.subtypes, spec.subtypes);
    const cty = lookup(data.countries, spec.countries);
    const src = lookup(data.outlets, spec.sources);
    const role = lookup(data.roles, spec.roles);
    const act = lookup(data.actors, spec.actors);
    const win = spec.window;
    const lo = win ? win[0] : 0;
    const hi = win ? win[1] : 0;
    const query = fold(spec.query || "").trim();
    const useText = query.length > 0 && !!text;
    const q = useText ? queryTables(data, text, query) : null;
    const seen = new Uint8Array(data.nEvents || n);
    let shown = 0;
    let events = 0;
    let fatalities = 0;
    rows: for (let i = 0; i < n; i++) {
      if (!cat[data.c[i]] || !sta[data.st[i]]) continue;
      if (sub && !sub[data.s[i]]) continue;
      if (cty && !cty[data.k[i]]) continue;
      if (src && !src[data.o[i]]) continue;
      if (role && !role[data.r[i]]) continue;
      if (act) {
        let any = false;
        for (let j = data.ao[i]; j < data.ao[i + 1]; j++) if (act[data.a[j]]) any = true;
        if (!any) continue;
      }
      if (q && !q.sentences[text.t[i]] && !q.places[data.p[i]] && !q.docs[text.doc[i]]) {
        let any = false;
        for (let j = data.ao[i]; j < data.ao[i + 1]; j++) if (q.actors[data.a[j]]) any = true;
        if (!any) continue rows;
      }
      context[i] = 1;
      if (win) {
        const d0 = data.d0[i];
        if (d0 === NO_DAY || d0 > hi || d0 + data.dd[i] < lo) continue;
      }
      mask[i] = 1;
      shown++;
      if (!seen[data.ev[i]]) {
        seen[data.ev[i]] = 1;
        events++;
        fatalities += data.f[i];
      }
    }
    return { mask, context, shown, events, fatalities, textPending: query.length > 0 && !text };
  }

  /** Distinct events and their fatalities among the rows of mask (optionally only rows where keep(i)). */
  function countEvents(data, mask, keep) {
    const seen = new Uint8Array(data.nEvents || data.n);
    let events = 0;
    let fatalities = 0;
    let rows = 0;
    for (let i = 0; i < data.n; i++) {
      if (!mask[i] || (keep && !keep(i))) continue;
      rows++;
      if (seen[data.ev[i]]) continue;
      seen[data.ev[i]] = 1;
      events++;
      fatalities += data.f[i];
    }
    return { events, fatalities, rows };
  }

  /** Counts per place and category of the rows in mask, and fatalities per place. */
  function aggregate(data, mask) {
    const nc = data.categories.length;
    const counts = new Int32Array(data.places.n * nc);
    const totals = new Int32Array(data.places.n);
    const fatal = new Int32Array(data.places.n);
    let places = 0;
    for (let i = 0; i < data.n; i++) {
      if (!mask[i]) continue;
      const p = data.p[i];
      counts[p * nc + data.c[i]]++;
      fatal[p] += data.f[i];
      if (!totals[p]++) places++;
    }
    return { counts, totals, fatal, nc, places };
  }

  function placeCounts(agg, p) {
    return Array.from(agg.counts.subarray(p * agg.nc, (p + 1) * agg.nc));
  }

  /** GeoJSON of the localities (precision 1) with shown events; properties.id = place index + 1. */
  function pointFeatures(data, agg) {
    const features = [];
    const pl = data.places;
    for (let p = 0; p < pl.n; p++) {
      if (!agg.totals[p] || pl.prec[p] !== 1) continue;
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [pl.lon[p], pl.lat[p]] },
        // dash-leaflet replaces a falsy properties.id by the feature's position: never use 0.
        properties: { id: p + 1, p, n: agg.totals[p], f: agg.fatal[p], c: placeCounts(agg, p) },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** The area shapes (or halos) of the less precise places; those without shown events get n = 0. */
  function areaFeatures(shapes, agg) {
    const features = [];
    if (!shapes) return { type: "FeatureCollection", features };
    let max = 1;
    for (const f of shapes.features) max = Math.max(max, agg.totals[f.properties.p] || 0);
    for (const f of shapes.features) {
      const p = f.properties.p;
      const n = agg.totals[p] || 0;
      const weight = Math.log(1 + n) / Math.log(1 + max);
      features.push({
        type: "Feature",
        geometry: f.geometry,
        properties: { p, id: p + 1, n, f: agg.fatal[p] || 0, c: placeCounts(agg, p), halo: f.properties.halo || 0, w: weight },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** Halo radius (m) of an area place without a shape, by precision (one table: payload.HALO_RADIUS_M). */
  function haloRadius(data, prec) {
    return data.halo[prec] || data.halo[2] || 60000;
  }

  // ------------------------------------------------------------------ what lies under a point
  function inRing(ring, x, y) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const xi = ring[i][0];
      const yi = ring[i][1];
      const xj = ring[j][0];
      const yj = ring[j][1];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inPolygon(rings, x, y) {
    if (!rings.length || !inRing(rings[0], x, y)) return false;
    for (let k = 1; k < rings.length; k++) if (inRing(rings[k], x, y)) return false;
    return true;
  }
  function geometryContains(geometry, lon, lat) {
    if (geometry.type === "Polygon") return inPolygon(geometry.coordinates, lon, lat);
    if (geometry.type === "MultiPolygon") return geometry.coordinates.some((rings) => inPolygon(rings, lon, lat));
    return false;
  }
  function metres(lat1, lon1, lat2, lon2) {
    const rad = Math.PI / 180;
    const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function bboxArea(geometry) {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    const visit = (c) => {
      if (typeof c[0] === "number") {
        x0 = Math.min(x0, c[0]); x1 = Math.max(x1, c[0]); y0 = Math.min(y0, c[1]); y1 = Math.max(y1, c[1]);
      } else c.forEach(visit);
    };
    visit(geometry.coordinates);
    return (x1 - x0) * (y1 - y0);
  }

  /**
   * The area places with shown events that contain (lat, lon), most precise first: an admin unit
   * before a country before a region or sea; among equals, the smaller one first.
   * shapes: the area GeoJSON (features with properties.p and optionally properties.halo).
   */
  function areasAt(data, shapes, totals, lat, lon) {
    if (!shapes) return [];
    const x = ((((lon + 180) % 360) + 360) % 360) - 180;
    const hits = [];
    for (const f of shapes.features) {
      const p = f.properties.p;
      if (!totals[p]) continue;
      let size;
      if (f.geometry.type === "Point") {
        const radius = haloRadius(data, data.places.prec[p]);
        const [plon, plat] = f.geometry.coordinates;
        if (metres(lat, x, plat, plon) > radius) continue;
        size = (radius / 111000) ** 2 * Math.PI;
      } else {
        if (!geometryContains(f.geometry, x, lat)) continue;
        size = f.bbox_area === undefined ? (f.bbox_area = bboxArea(f.geometry)) : f.bbox_area;
      }
      hits.push({ p, prec: data.places.prec[p], size });
    }
    hits.sort((a, b) => a.prec - b.prec || a.size - b.size);
    return hits.map((h) => h.p);
  }

  /**
   * The rows a card lists for the places `places` (in that order), most recent first per place:
   * {rows, total, perPlace: [[place, n]]}. `first` (a row) goes first when given.
   */
  function rowsAt(data, mask, places, first, limit) {
    const order = new Map(places.map((p, k) => [p, k]));
    const buckets = places.map(() => []);
    for (let i = 0; i < data.n; i++) {
      if (!mask[i] || i === first) continue;
      const k = order.get(data.p[i]);
      if (k !== undefined) buckets[k].push(i);
    }
    const rows = first === null || first === undefined ? [] : [first];
    buckets.forEach((list) => {
      list.sort((x, y) => data.d0[y] - data.d0[x] || x - y);
      rows.push(...list);
    });
    const perPlace = places.map((p, k) => [p, buckets[k].length + (first !== null && first !== undefined && data.p[first] === p ? 1 : 0)]);
    return { rows: rows.slice(0, limit || rows.length), total: rows.length, perPlace };
  }

  // ------------------------------------------------------------------ time
  /** Histogram bins over an extent: {unit, size (days), starts: [first day of each bin]}. */
  function bins(extent, unit) {
    if (!extent) return { unit: "day", size: 1, starts: [] };
    const [a, b] = extent;
    const span = b - a + 1;
    const starts = [];
    const want = unit || (span <= 120 ? "day" : span <= 1100 ? "week" : "month");
    if (want === "day") {
      for (let d = a; d <= b; d++) starts.push(d);
      return { unit: "day", size: 1, starts };
    }
    if (want === "week") {
      // Weeks start on Monday (1970-01-01 was a Thursday).
      let d = a - ((((a + 3) % 7) + 7) % 7);
      for (; d <= b; d += 7) starts.push(d);
      return { unit: "week", size: 7, starts };
    }
    const first = new Date(a * DAY_MS);
    let y = first.getUTCFullYear();
    let m = first.getUTCMonth();
    for (;;) {
      const d = Math.round(Date.UTC(y, m, 1) / DAY_MS);
      if (d > b) break;
      starts.push(d);
      m += 1;
      if (m === 12) {
        m = 0;
        y += 1;
      }
    }
    return { unit: "month", size: 30.4, starts };
  }

  function binIndex(starts, day) {
    let lo = 0;
    let hi = starts.length - 1;
    if (hi < 0 || day < starts[0]) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= day) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Events per category and bin of the rows in mask (each event once): {bins, counts[c][k],
   * spans}. Events dated to the day count in the bin of their first day; events dated only to a
   * month or a year are not days: they are returned as `spans` ([first, last, category, n]) to be
   * drawn across their period, and never stretch the axis.
   */
  function series(data, mask, unit, extent) {
    const b = bins(extent || data.extent, unit);
    const nc = data.categories.length;
    const counts = Array.from({ length: nc }, () => new Array(b.starts.length).fill(0));
    const seen = new Uint8Array(data.nEvents || data.n);
    const spans = new Map();
    for (let i = 0; i < data.n; i++) {
      if (!mask[i] || data.d0[i] === NO_DAY || seen[data.ev[i]]) continue;
      seen[data.ev[i]] = 1;
      if (!data.exact[data.dp[i]]) {
        const key = `${data.d0[i]}:${data.dd[i]}:${data.c[i]}`;
        const span = spans.get(key) || [data.d0[i], data.d0[i] + data.dd[i], data.c[i], 0];
        span[3]++;
        spans.set(key, span);
        continue;
      }
      const k = binIndex(b.starts, data.d0[i]);
      if (k >= 0 && data.d0[i] <= (extent || data.extent)[1]) counts[data.c[i]][k]++;
    }
    return { bins: b, counts, spans: Array.from(spans.values()) };
  }

  /** Bitset of mask, base64, bit i = row i, least significant bit first (dashboard.data.decode_mask). */
  function encodeMask(mask) {
    const bytes = new Uint8Array((mask.length + 7) >> 3);
    for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 1 << (i & 7);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return (root.btoa || ((s) => Buffer.from(s, "binary").toString("base64")))(binary);
  }

  // ------------------------------------------------------------------ the URL keeps the view
  const LIST_KEYS = {
    cat: "categories", st: "statuses", sub: "subtypes", cc: "countries", src: "sources", role: "roles", act: "actors",
  };
  // Actor names may hold commas ("Smith, John"): their list is "|"-separated.
  const sep = (key) => (key === "act" ? "|" : ",");
  /** View state from a query string ("?cat=military&from=2025-01-01&c=4.6,-74.1&z=5"). */
  function parseQuery(search) {
    const params = new URLSearchParams(search || "");
    const view = {};
    for (const [key, name] of Object.entries(LIST_KEYS)) {
      if (params.has(key)) view[name] = params.get(key) ? params.get(key).split(sep(key)).filter(Boolean) : [];
    }
    if (params.has("q")) view.query = params.get("q");
    const from = parseDay(params.get("from"));
    const to = parseDay(params.get("to"));
    if (from !== null || to !== null) view.window = [from, to];
    const c = (params.get("c") || "").split(",").map(Number);
    const z = Number(params.get("z"));
    if (c.length === 2 && c.every(Number.isFinite) && Number.isFinite(z) && params.get("z")) {
      view.center = [c[0], c[1]];
      view.zoom = z;
    }
    return view;
  }

  /** Query string of a view (defaults are left out, so a plain URL means "everything"). */
  function buildQuery(view, defaults) {
    const params = new URLSearchParams();
    for (const [key, name] of Object.entries(LIST_KEYS)) {
      const value = view[name] || [];
      const fallback = (defaults && defaults[name]) || [];
      if (JSON.stringify([...value].sort()) !== JSON.stringify([...fallback].sort())) params.set(key, value.join(sep(key)));
    }
    if (view.query) params.set("q", view.query);
    if (view.window) {
      params.set("from", isoDay(view.window[0]));
      params.set("to", isoDay(view.window[1]));
    }
    if (view.center && Number.isFinite(view.zoom)) {
      params.set("c", `${Number(view.center[0]).toFixed(4)},${Number(view.center[1]).toFixed(4)}`);
      params.set("z", String(view.zoom));
    }
    const text = params.toString();
    return text ? "?" + text : "";
  }

  const core = {
    NO_DAY, DAY_MS, esc, fold, isoDay, parseDay, fmt, plural, decodeBinary, decode, decodeText, filterRows,
    countEvents, aggregate, placeCounts, pointFeatures, areaFeatures, haloRadius, areasAt, rowsAt, bins,
    binIndex, series, encodeMask, parseQuery, buildQuery, geometryContains,
  };
  root.eventmapCore = core;
  if (typeof module !== "undefined" && module.exports) module.exports = core;
})(typeof window !== "undefined" ? window : globalThis);
