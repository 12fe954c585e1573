/* eventmap dashboard — browser side: load the compact payload once, filter and aggregate it, draw it.
 *
 * Everything here is our own code; it loads nothing from outside the dashboard's own server.
 *
 * window.eventmap        state (decoded data, masks) and the functions dash-leaflet calls
 *                        ({"variable": "eventmap.pointToLayer"} in map_layers.py)
 * window.dash_clientside.eventmap   the clientside callbacks registered in callbacks.py
 *
 * The pure parts (filterRows, aggregate, bins, encodeMask, parseQuery, buildQuery, fold) do not
 * touch the DOM and are also loaded by node in tests/test_dashboard_js.py.
 */
(function (root) {
  "use strict";

  const EM = (root.eventmap = root.eventmap || {});
  const NO_DAY = -2147483648;
  const DAY_MS = 86400000;
  const TABLE_ROWS = 200;
  const CARD_ROWS = 100;

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
  function parseDay(text) {
    if (!text || !/^\d{4}-\d{2}-\d{2}$/.test(String(text).trim())) return null;
    const ms = Date.parse(String(text).trim() + "T00:00:00Z");
    return Number.isNaN(ms) ? null : Math.round(ms / DAY_MS);
  }
  function fmt(n) {
    return Number(n).toLocaleString("en-US");
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
  /** Typed arrays from the JSON payload of dashboard.data.compact_payload. */
  function decode(payload) {
    const r = payload.rows;
    const pl = payload.places;
    return {
      generation: payload.generation,
      n: payload.n,
      nEvents: payload.n_events,
      extent: payload.extent,
      categories: payload.categories,
      subtypes: payload.subtypes,
      countries: payload.countries,
      outlets: payload.outlets,
      roles: payload.roles,
      datePrecisions: payload.date_precisions,
      places: {
        n: pl.name.length,
        name: pl.name,
        kind: pl.kind,
        prec: Uint8Array.from(pl.prec),
        lon: Float64Array.from(pl.lon),
        lat: Float64Array.from(pl.lat),
        k: Int32Array.from(pl.k),
      },
      p: Int32Array.from(r.p),
      c: Uint8Array.from(r.c),
      s: Int32Array.from(r.s),
      d0: Int32Array.from(r.d0),
      dd: Int32Array.from(r.dd),
      dp: Uint8Array.from(r.dp),
      k: Int32Array.from(r.k),
      o: Int32Array.from(r.o),
      r: Uint8Array.from(r.r),
      ev: Int32Array.from(r.ev),
    };
  }

  function decodeText(payload) {
    return {
      docs: payload.docs,
      docsFolded: payload.docs.map(fold),
      doc: Int32Array.from(payload.doc),
      text: payload.text,
    };
  }

  // ------------------------------------------------------------------ filtering (pure)
  /**
   * Rows passing the filters.
   * spec: {categories, subtypes, countries, sources, roles: lists of labels (empty = all; categories
   *        empty = none), window: [firstDay, lastDay] or null, query: text}
   * Returns {mask, context, shown, events, textPending}: mask[i] = row i passes everything;
   * context[i] = row i passes everything but the date window (the timeline shows those).
   */
  function filterRows(data, spec, text) {
    const n = data.n;
    const mask = new Uint8Array(n);
    const context = new Uint8Array(n);
    const cat = lookup(data.categories, spec.categories || []) || new Uint8Array(data.categories.length);
    const sub = lookup(data.subtypes, spec.subtypes);
    const cty = lookup(data.countries, spec.countries);
    const src = lookup(data.outlets, spec.sources);
    const role = lookup(data.roles, spec.roles);
    const win = spec.window;
    const lo = win ? win[0] : 0;
    const hi = win ? win[1] : 0;
    const query = fold(spec.query || "").trim();
    const useText = query.length > 0 && !!text;
    const seen = new Uint8Array(data.nEvents || n);
    let shown = 0;
    let events = 0;
    for (let i = 0; i < n; i++) {
      if (!cat[data.c[i]]) continue;
      if (sub && !sub[data.s[i]]) continue;
      if (cty && !cty[data.k[i]]) continue;
      if (src && !src[data.o[i]]) continue;
      if (role && !role[data.r[i]]) continue;
      if (useText && text.text[i].indexOf(query) < 0 && text.docsFolded[text.doc[i]].indexOf(query) < 0) continue;
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
      }
    }
    return { mask, context, shown, events, textPending: query.length > 0 && !text };
  }

  /** Counts per place and category of the rows in mask: Int32Array(places * categories), totals. */
  function aggregate(data, mask) {
    const nc = data.categories.length;
    const counts = new Int32Array(data.places.n * nc);
    const totals = new Int32Array(data.places.n);
    let places = 0;
    for (let i = 0; i < data.n; i++) {
      if (!mask[i]) continue;
      const p = data.p[i];
      counts[p * nc + data.c[i]]++;
      if (!totals[p]++) places++;
    }
    return { counts, totals, nc, places };
  }

  function placeCounts(agg, p) {
    return Array.from(agg.counts.subarray(p * agg.nc, (p + 1) * agg.nc));
  }

  /** GeoJSON of the localities (precision 1) with shown events; properties.id = place index. */
  function pointFeatures(data, agg) {
    const features = [];
    const pl = data.places;
    for (let p = 0; p < pl.n; p++) {
      if (!agg.totals[p] || pl.prec[p] !== 1) continue;
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [pl.lon[p], pl.lat[p]] },
        // dash-leaflet replaces a falsy properties.id by the feature's position: never use 0.
        properties: { id: p + 1, p, n: agg.totals[p], c: placeCounts(agg, p) },
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
        properties: { p, id: p + 1, n, c: placeCounts(agg, p), halo: f.properties.halo || 0, w: weight },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** Histogram bins over the data's extent: {unit, size (days), starts: [first day of each bin]}. */
  function bins(extent) {
    if (!extent) return { unit: "day", size: 1, starts: [] };
    const [a, b] = extent;
    const span = b - a + 1;
    const starts = [];
    if (span <= 120) {
      for (let d = a; d <= b; d++) starts.push(d);
      return { unit: "day", size: 1, starts };
    }
    if (span <= 1100) {
      // Weeks start on Monday (1970-01-01 was a Thursday).
      let d = a - ((a + 3) % 7);
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

  /** Bitset of mask, base64, bit i = row i, least significant bit first (dashboard.data.decode_mask). */
  function encodeMask(mask) {
    const bytes = new Uint8Array((mask.length + 7) >> 3);
    for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 1 << (i & 7);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return (root.btoa || ((s) => Buffer.from(s, "binary").toString("base64")))(binary);
  }

  // ------------------------------------------------------------------ the URL keeps the view
  const LIST_KEYS = { cat: "categories", sub: "subtypes", cc: "countries", src: "sources", role: "roles" };
  /** View state from a query string ("?cat=military&from=2025-01-01&c=4.6,-74.1&z=5"). */
  function parseQuery(search) {
    const params = new URLSearchParams(search || "");
    const view = {};
    for (const [key, name] of Object.entries(LIST_KEYS)) {
      if (params.has(key)) view[name] = params.get(key) ? params.get(key).split(",").filter(Boolean) : [];
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
      if (JSON.stringify([...value].sort()) !== JSON.stringify([...fallback].sort())) params.set(key, value.join(","));
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

  Object.assign(EM, {
    NO_DAY, esc, fold, isoDay, parseDay, decode, decodeText, filterRows, aggregate, pointFeatures,
    areaFeatures, bins, binIndex, encodeMask, parseQuery, buildQuery,
  });

  if (typeof module !== "undefined" && module.exports) {
    module.exports = EM;
    return;
  }

  // ================================================================== browser only from here
  const dc = (root.dash_clientside = root.dash_clientside || {});
  /** The triggering component's id as a string (a pattern-matching id gives its type). */
  function triggered() {
    const ctx = dc.callback_context;
    const id = ctx && ctx.triggered_id;
    return id && typeof id === "object" ? id.type : id;
  }
  /** How many components an ALL output of this callback currently matches (0 before the panels mount). */
  function matched(k) {
    const ctx = dc.callback_context;
    const out = ctx && ctx.outputs_list && ctx.outputs_list[k];
    return Array.isArray(out) ? out.length : 1;
  }
  const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const style = () => EM.style || {};
  const catColor = (label) => (style()[label] || {}).color || "#666";
  const catSymbol = (label) => (style()[label] || {}).symbol || "•";

  function dominant(counts) {
    let best = 0;
    for (let i = 1; i < counts.length; i++) if (counts[i] > counts[best]) best = i;
    return best;
  }

  /** A conic gradient showing the category mix of counts. */
  function mix(counts) {
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    let at = 0;
    const stops = [];
    counts.forEach((count, i) => {
      if (!count) return;
      const next = at + (100 * count) / total;
      const color = catColor(EM.data.categories[i]);
      stops.push(`${color} ${at.toFixed(1)}% ${next.toFixed(1)}%`);
      at = next;
    });
    return `conic-gradient(${stops.join(",")})`;
  }

  // ------------------------------------------------------------------ dash-leaflet functions
  /**
   * Both event layers start with one invisible "sentinel" feature (map_layers.SENTINEL). Drawing it
   * tells us the layer is mounted and idle: dash-leaflet drops a `data` update that arrives while
   * it is still loading its first data, so the first filter waits for this (see `mounted`).
   */
  EM.mounted = EM.mounted || {};
  function sentinel(feature, name) {
    if (!feature.properties.sentinel) return null;
    EM.mounted[name] = true;
    return L.layerGroup();
  }

  /** A locality: a pin coloured and iconed by its main category, with the number of events. */
  EM.pointToLayer = function (feature, latlng) {
    const mark = sentinel(feature, "points");
    if (mark) return mark;
    const props = feature.properties;
    const main = EM.data.categories[dominant(props.c)];
    const mixed = props.c.filter((x) => x > 0).length > 1;
    const ring = mixed ? `style="background:${mix(props.c)}"` : `style="background:${catColor(main)}"`;
    const badge = props.n > 1 ? `<b class="em-badge">${props.n > 999 ? Math.round(props.n / 100) / 10 + "k" : props.n}</b>` : "";
    const html = `<span class="em-pin" ${ring}><i elementtiming="em-marker">${esc(catSymbol(main))}</i></span>${badge}`;
    const icon = L.divIcon({ html, className: `em-marker em-cat-${esc(main)}`, iconSize: [24, 24], iconAnchor: [12, 12] });
    return L.marker(latlng, { icon, keyboard: false, title: EM.data.places.name[props.p] });
  };

  /** A cluster of localities: a donut of its category mix and its number of events. */
  EM.clusterToLayer = function (feature, latlng, index) {
    const nc = EM.data.categories.length;
    const counts = new Array(nc).fill(0);
    let total = 0;
    for (const leaf of index.getLeaves(feature.properties.cluster_id, Infinity)) {
      const c = leaf.properties.c;
      for (let i = 0; i < nc; i++) counts[i] += c[i];
      total += leaf.properties.n;
    }
    const size = Math.round(30 + 7 * Math.log10(1 + total));
    const label = total > 9999 ? Math.round(total / 1000) + "k" : total > 999 ? Math.round(total / 100) / 10 + "k" : total;
    const main = EM.data.categories[dominant(counts)];
    const html = `<div class="em-cluster-ring" style="background:${mix(counts)}"><span elementtiming="em-marker">${label}</span></div>`;
    const icon = L.divIcon({ html, className: `em-cluster em-cat-${esc(main)}`, iconSize: [size, size] });
    return L.marker(latlng, { icon, keyboard: false });
  };

  EM.pointEach = function (feature, layer) {
    const props = feature.properties;
    if (props.cluster || props.sentinel) return;
    layer.bindTooltip(`${esc(EM.data.places.name[props.p])} — ${fmt(props.n)} event${props.n === 1 ? "" : "s"}`);
  };

  const PRECISION = { 2: "admin area", 3: "country", 4: "region or sea" };
  /** An area (admin unit, country, region, sea): shaded by its main category, dashed when approximate. */
  EM.areaStyle = function (feature) {
    const props = feature.properties;
    const color = catColor(EM.data.categories[dominant(props.c)]);
    const prec = EM.data.places.prec[props.p];
    const w = props.w || 0;
    // Vaguer places are drawn fainter: a sea or a continent must not look like a precise hit.
    const fill = prec >= 4 ? 0.025 : prec === 3 ? 0.035 + 0.14 * w : 0.08 + 0.3 * w;
    return {
      color,
      weight: prec >= 3 ? 1.2 : 1,
      dashArray: prec >= 3 ? "6 5" : null,
      opacity: prec >= 4 ? 0.55 : 0.8,
      fillColor: color,
      fillOpacity: fill,
      className: "em-area",
    };
  };

  /** An area place without a shape: a halo sized by its precision, never a pin. */
  EM.areaPoint = function (feature, latlng) {
    const mark = sentinel(feature, "areas");
    if (mark) return mark;
    const props = feature.properties;
    const radii = EM.haloRadius || {};
    const radius = radii[props.halo] || radii[2] || 60000;
    return L.circle(latlng, Object.assign({ radius }, EM.areaStyle(feature), { dashArray: "3 5" }));
  };

  function areaTooltip(props) {
    const name = EM.data.places.name[props.p];
    const kind = EM.data.places.kind[props.p] || PRECISION[EM.data.places.prec[props.p]] || "area";
    return `${esc(name)} (${esc(kind)}) — ${fmt(props.n)} event${props.n === 1 ? "" : "s"}`;
  }

  EM.areaEach = function (feature, layer) {
    if (feature.properties.sentinel) return;
    // Keep a handle on each area, so a filter change restyles it instead of rebuilding the layer.
    (EM.areaLayers = EM.areaLayers || new Map()).set(feature.properties.p, layer);
    layer.bindTooltip(areaTooltip(feature.properties), { sticky: true });
    showArea(layer, feature.properties.n > 0);
  };

  function showArea(layer, visible) {
    layer.options.interactive = visible; // the canvas renderer checks this on every pointer event
    if (!visible) layer.setStyle({ opacity: 0, fillOpacity: 0 });
  }

  /** Restyle the drawn areas from new counts: 100s of polygons, one canvas redraw, no rebuild. */
  function restyleAreas(agg) {
    if (!EM.areaLayers) return;
    let max = 1;
    for (const p of EM.areaLayers.keys()) max = Math.max(max, agg.totals[p] || 0);
    for (const [p, layer] of EM.areaLayers) {
      const props = layer.feature.properties;
      props.n = agg.totals[p] || 0;
      props.c = placeCounts(agg, p);
      props.w = Math.log(1 + props.n) / Math.log(1 + max);
      if (props.n > 0) {
        layer.setStyle(EM.areaStyle(layer.feature));
        layer.setTooltipContent(areaTooltip(props));
      }
      showArea(layer, props.n > 0);
    }
  }

  /** Country labels of the offline basemap; small countries appear as you zoom in. */
  EM.labelToLayer = function (feature, latlng, context) {
    if (context && context.map && !context.map._emZoomClasses) {
      const map = context.map;
      map._emZoomClasses = true;
      const update = () => {
        const z = map.getZoom();
        for (let i = 1; i <= 8; i++) map.getContainer().classList.toggle(`em-zge${i}`, z >= i);
      };
      map.on("zoomend", update);
      update();
    }
    const rank = feature.properties.rank || 3;
    const icon = L.divIcon({ html: `<span>${esc(feature.properties.name)}</span>`, className: `em-label em-label-r${rank}`, iconSize: null });
    return L.marker(latlng, { icon, interactive: false, keyboard: false });
  };

  // ------------------------------------------------------------------ loading
  async function fetchJson(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function info(extra) {
    const d = EM.data;
    return Object.assign(
      {
        generation: d.generation, n: d.n, events: d.nEvents, extent: d.extent,
        text: !!EM.text, shapes: !!EM.shapes, seq: (EM.seq = (EM.seq || 0) + 1),
      },
      extra || {},
    );
  }

  function loadLater(source, generation) {
    // Search text and area shapes are not needed for the first paint: fetch them afterwards.
    const bump = () => dc.set_props(source.info_id, { data: info() });
    fetchJson(source.shapes_url)
      .then((shapes) => {
        if (EM.data && EM.data.generation === generation) {
          EM.shapes = shapes;
          bump();
        }
      })
      .catch((err) => console.warn("eventmap: area shapes unavailable:", err.message));
    fetchJson(source.text_url)
      .then((text) => {
        if (EM.data && EM.data.generation === generation) {
          EM.text = decodeText(text);
          bump();
        }
      })
      .catch((err) => console.warn("eventmap: search text unavailable:", err.message));
  }

  /**
   * dash-leaflet's GeoJSON ignores a new `data` that arrives while it is still indexing the previous
   * one (its busy flag), and nothing re-sends it: the map would keep stale markers. Waiting for the
   * layers to be mounted (below) avoids that; as a safety net, check that the data was read
   * (dash-leaflet marks every feature it reads: properties.cluster = false) and re-send it if not.
   */
  function ensureDrawn(id, fc, tries) {
    EM.latest = EM.latest || {};
    EM.latest[id] = fc;
    if (!fc || !fc.features || !fc.features.length) return;
    const check = () => {
      if (EM.latest[id] !== fc || fc.features[0].properties.cluster !== undefined) return;
      const again = { type: "FeatureCollection", features: fc.features };
      dc.set_props(id, { data: again });
      if (tries > 0) ensureDrawn(id, again, tries - 1);
    };
    setTimeout(check, 1500);
  }

  /** Resolves once both event layers have drawn their sentinel (at most a few seconds). */
  function mounted() {
    if (EM.mounted.points && EM.mounted.areas) return Promise.resolve(true);
    return new Promise((resolve) => {
      const started = performance.now();
      const poll = () => {
        if ((EM.mounted.points && EM.mounted.areas) || performance.now() - started > 5000) resolve(true);
        else requestAnimationFrame(poll);
      };
      poll();
    });
  }

  // Start downloading the events while Dash boots: the page's own config names the URL prefix.
  EM.prefetch = (function () {
    try {
      const config = JSON.parse(document.getElementById("_dash-config").textContent);
      const prefix = config.requests_pathname_prefix || "/";
      EM.marks = { prefetchStart: performance.now() };
      return fetchJson(prefix + "eventmap-api/events.json").then((payload) => {
        EM.marks.prefetched = performance.now();
        return { payload, data: decode(payload) };
      });
    } catch (err) {
      return null;
    }
  })();
  if (EM.prefetch) EM.prefetch.catch(() => null);

  async function loadPayload(source) {
    const early = EM.prefetch;
    EM.prefetch = null;
    if (early) {
      const got = await early.catch(() => null);
      if (got && got.payload.generation === source.generation) return got;
    }
    const payload = await fetchJson(source.url);
    return { payload, data: decode(payload) };
  }

  const clientside = {
    /** Load (or reload after an upload) the payload; on the first load, restore the view from the URL. */
    load: async function (source) {
      if (!source || !source.url) return dc.no_update;
      EM.marks = Object.assign(EM.marks || {}, { loadStart: performance.now() });
      EM.style = source.style || EM.style;
      EM.countryNames = source.country_names || EM.countryNames || {};
      EM.defaults = source.defaults || EM.defaults || {};
      EM.haloRadius = source.halo_radius_m || EM.haloRadius;
      const { payload, data } = await loadPayload(source);
      EM.marks.loaded = performance.now();
      EM.data = data;
      EM.text = null;
      EM.shapes = null;
      EM.later = () => loadLater(source, payload.generation);
      if (EM.panelsRequested) {
        // A reload (new store generation): the page is already up, fetch the rest now.
        EM.later();
        EM.later = null;
      }
      const out = [info()];
      const controls = ["categories", "subtypes", "countries", "sources", "roles", "query"];
      if (!EM.restored) {
        EM.restored = true;
        const view = parseQuery(root.location.search);
        EM.pendingWindow = view.window || null;
        controls.forEach((name) => out.push(view[name] === undefined ? dc.no_update : view[name]));
        out.push(view.center ? { center: view.center, zoom: view.zoom, transition: "setView" } : dc.no_update);
      } else {
        controls.forEach(() => out.push(dc.no_update));
        out.push(dc.no_update);
      }
      root.eventmap.loaded = payload.generation;
      return out;
    },

    /** The date window: brushed on the timeline, typed, reset, restored from the URL or played. */
    window: function (dataInfo, selectedAll, from, to, allClicks, playClicks, tick, speed, windowNow, paused) {
      const trigger = triggered();
      const selected = (selectedAll || [])[0];
      const d = EM.data;
      if (!d || !d.extent) return [null, "", "", true, "▶ Play"];
      const [a, b] = d.extent;
      const out = (win, stop) => {
        const w = win ? [Math.max(a, Math.min(win[0], win[1])), Math.min(b, Math.max(win[0], win[1]))] : null;
        const full = !w || (w[0] <= a && w[1] >= b);
        const playing = stop === undefined ? !paused : !stop;
        return [full ? null : w, isoDay(w ? w[0] : a), isoDay(w ? w[1] : b), !playing, playing ? "❚❚ Pause" : "▶ Play"];
      };
      const current = windowNow || [a, b];
      if (trigger === "em-data-info") {
        // Only a new payload matters here, not the later arrival of search text or shapes.
        if (EM.windowGeneration === dataInfo.generation) return dc.no_update;
        EM.windowGeneration = dataInfo.generation;
        if (EM.pendingWindow) {
          const [f, t] = EM.pendingWindow;
          EM.pendingWindow = null;
          return out([f === null ? a : f, t === null ? b : t], true);
        }
        return out(windowNow, true);
      }
      if (trigger === "em-timeline") {
        const range = selected && selected.range && selected.range.x;
        if (!range) return dc.no_update;
        return out([Math.floor(Date.parse(range[0]) / DAY_MS), Math.floor(Date.parse(range[1]) / DAY_MS)], true);
      }
      if (trigger === "em-date-from" || trigger === "em-date-to") {
        const f = parseDay(from);
        const t = parseDay(to);
        if (f === null || t === null) return dc.no_update;
        return out([f, t], true);
      }
      if (trigger === "em-dates-all") return out(null, true);
      const step = Math.max(1, Math.round(((b - a) / 60) * (Number(speed) || 1)));
      if (trigger === "em-play") {
        if (!paused) return out(windowNow, true);
        const width = windowNow ? current[1] - current[0] : Math.max(7, Math.round((b - a) / 12));
        const start = windowNow && current[1] < b ? current[0] : a;
        return out([start, start + width], false);
      }
      if (trigger === "em-play-clock") {
        if (paused) return dc.no_update;
        if (current[1] >= b) return out(current, true);
        return out([current[0] + step, current[1] + step], false);
      }
      return dc.no_update;
    },

    /** Apply every filter to every row; redraw the map layers and the counter. */
    filter: async function (dataInfo, categories, subtypes, countries, sources, roles, query, win) {
      if (!EM.data) return [dc.no_update, dc.no_update, "Loading events…", dc.no_update];
      await mounted();
      const d = EM.data;
      const t0 = performance.now();
      if (EM.marks && !EM.marks.firstFilter) EM.marks.firstFilter = t0;
      const spec = { categories, subtypes, countries, sources, roles, window: win, query };
      // The search text or the shapes arriving later only matter if a query waits for them / to draw areas.
      const key = JSON.stringify([d.generation, spec, !!(query && EM.text)]);
      if (key === EM.lastKey) {
        if (EM.areasDrawn === EM.shapes) return [dc.no_update, dc.no_update, dc.no_update, dc.no_update];
        EM.areasDrawn = EM.shapes;
        EM.areaLayers = new Map();
        const areas = areaFeatures(EM.shapes, EM.agg);
        ensureDrawn("em-areas", areas, 3);
        return [dc.no_update, areas, dc.no_update, dc.no_update];
      }
      EM.lastKey = key;
      const result = filterRows(d, spec, EM.text);
      EM.mask = result.mask;
      EM.context = result.context;
      EM.spec = spec;
      const agg = aggregate(d, result.mask);
      EM.agg = agg;
      const points = pointFeatures(d, agg);
      let areas = dc.no_update;
      if (EM.areasDrawn !== EM.shapes) {
        // New shapes (first load, new store generation): draw them once…
        EM.areasDrawn = EM.shapes;
        EM.areaLayers = new Map();
        areas = areaFeatures(EM.shapes, agg);
      } else {
        // …afterwards only restyle them (rebuilding 100s of polygons costs ~80 ms per change).
        restyleAreas(agg);
      }
      EM.lastFilterMs = performance.now() - t0;
      ensureDrawn("em-points", points, 3);
      if (areas !== dc.no_update) ensureDrawn("em-areas", areas, 3);
      const waiting = result.textPending ? " (search text still loading…)" : "";
      const counter = d.n
        ? `${fmt(result.events)} of ${fmt(d.nEvents)} events shown${waiting}`
        : "0 of 0 events shown — no events yet: add articles (right) or run `eventmap ingest`";
      const summary = {
        seq: (EM.filterSeq = (EM.filterSeq || 0) + 1), generation: d.generation, events: result.events,
        rows: result.shown, places: agg.places,
      };
      return [points, areas, counter, summary];
    },

    /** Timeline, category and country charts of the shown events (after the map has painted). */
    charts: async function (summary, mountedPanels) {
      const counts = [matched(0), matched(1), matched(2)];
      await nextPaint();
      const d = EM.data;
      if (!d || !EM.mask) return [dc.no_update, dc.no_update, dc.no_update];
      const figures = [timelineFigure, categoryFigure, countryFigure];
      return figures.map((make, k) => (counts[k] ? [make(d)] : []));
    },

    /** After the first map paint: mount the charts and table, fetch the search text and area shapes. */
    panelsReady: async function (summary) {
      if (EM.panelsRequested) return dc.no_update;
      EM.panelsRequested = true;
      await nextPaint();
      if (EM.later) {
        EM.later();
        EM.later = null;
      }
      return true;
    },

    /** The table of the shown events inside the map view (sorted, first rows only). */
    table: async function (summary, bounds, sortByAll, mountedPanels) {
      const tables = matched(0);
      await nextPaint();
      const d = EM.data;
      if (!d || !EM.mask) return [dc.no_update, dc.no_update];
      const [rows, text] = tableRows(d, bounds, (sortByAll || [])[0]);
      return [tables ? [rows] : [], text];
    },

    /** A click on a place or area, or on a table row: the rows the card lists (and a fly-to). */
    select: function (pointClick, areaClick, activeCells) {
      const trigger = triggered();
      const activeCell = (activeCells || [])[0];
      const d = EM.data;
      if (!d || !EM.mask) return [dc.no_update, dc.no_update];
      if (trigger === "em-table") {
        if (!activeCell || activeCell.row_id === undefined || activeCell.row_id === null) return [dc.no_update, dc.no_update];
        const row = Number(activeCell.row_id);
        const p = d.p[row];
        const prec = d.places.prec[p];
        const zoom = { 1: 8, 2: 6, 3: 5, 4: 3 }[prec] || 6;
        const viewport = { center: [d.places.lat[p], d.places.lon[p]], zoom, transition: "flyTo" };
        return [selection(d, p, row), viewport];
      }
      const click = trigger === "em-areas" ? areaClick : pointClick;
      const props = click && click.properties;
      if (!props || props.cluster) return [dc.no_update, dc.no_update];
      const p = props.p;
      return [selection(d, p, null), dc.no_update];
    },

    /** Keep the view in the address bar (replaceState: no history entry per map move; off the critical path). */
    url: function (categories, subtypes, countries, sources, roles, query, win, center, zoom) {
      if (!EM.restored) return dc.no_update;
      const c = center && (Array.isArray(center) ? center : [center.lat, center.lng]);
      const view = { categories, subtypes, countries, sources, roles, query, window: win, center: c, zoom };
      const search = buildQuery(view, EM.defaults);
      clearTimeout(EM.urlTimer);
      EM.urlTimer = setTimeout(() => {
        if (search !== root.location.search) root.history.replaceState(null, "", root.location.pathname + search);
      }, 300);
      return search;
    },

    /** Ask the server for an export of exactly the rows shown. */
    exportRequest: function (nHtml, nGeojson, nCsv) {
      const trigger = triggered();
      const kind = { "em-export-html": "html", "em-export-geojson": "geojson", "em-export-csv": "csv" }[trigger];
      if (!kind || !EM.mask) return dc.no_update;
      return { kind, mask: encodeMask(EM.mask), generation: EM.data.generation, seq: Date.now() };
    },
  };
  dc.eventmap = Object.assign(dc.eventmap || {}, clientside);

  function selection(d, p, first) {
    const rows = [];
    for (let i = 0; i < d.n; i++) if (EM.mask[i] && d.p[i] === p && i !== first) rows.push(i);
    rows.sort((x, y) => d.d0[y] - d.d0[x]);
    const total = rows.length + (first === null ? 0 : 1);
    const list = (first === null ? rows : [first].concat(rows)).slice(0, CARD_ROWS);
    return { generation: d.generation, place: p, name: d.places.name[p], rows: list, total };
  }

  // ------------------------------------------------------------------ panels
  const AXIS = { showgrid: false, zeroline: false, fixedrange: true };
  function chartLayout(extra) {
    return Object.assign(
      { margin: { l: 8, r: 8, t: 4, b: 24 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", showlegend: false, font: { size: 11 } },
      extra,
    );
  }

  function timelineFigure(d) {
    if (!d.extent) return { data: [], layout: chartLayout({ xaxis: { visible: false }, yaxis: { visible: false } }) };
    const b = bins(d.extent);
    const nc = d.categories.length;
    const counts = Array.from({ length: nc }, () => new Array(b.starts.length).fill(0));
    const seen = new Uint8Array(d.nEvents || d.n);
    for (let i = 0; i < d.n; i++) {
      if (!EM.context[i] || d.d0[i] === NO_DAY || seen[d.ev[i]]) continue;
      seen[d.ev[i]] = 1;
      const k = binIndex(b.starts, d.d0[i]);
      if (k >= 0) counts[d.c[i]][k]++;
    }
    const x = b.starts.map((s) => new Date((s + b.size / 2) * DAY_MS).toISOString());
    const data = d.categories.map((label, c) => ({
      type: "bar", x, y: counts[c], name: (style()[label] || {}).label || label,
      marker: { color: catColor(label) }, width: b.size * DAY_MS * 0.92, hovertemplate: "%{y:,} %{fullData.name}<extra></extra>",
    }));
    const win = EM.spec && EM.spec.window;
    const shapes = win
      ? [{ type: "rect", xref: "x", yref: "paper", x0: isoDay(win[0]), x1: isoDay(win[1] + 1), y0: 0, y1: 1,
           fillcolor: "rgba(255,196,0,0.18)", line: { color: "rgba(200,140,0,0.9)", width: 1 } }]
      : [];
    const range = [isoDay(d.extent[0] - 1), isoDay(d.extent[1] + 2)];
    return {
      data,
      layout: chartLayout({
        barmode: "stack", bargap: 0, dragmode: "select", selectdirection: "h", hovermode: "x", shapes,
        xaxis: Object.assign({}, AXIS, { type: "date", range, fixedrange: true }),
        yaxis: Object.assign({}, AXIS, { visible: false }), uirevision: "timeline", selections: [],
      }),
    };
  }

  // Charts count events, not (event, place) rows: an event in two places counts once (per country).
  function categoryFigure(d) {
    const counts = new Array(d.categories.length).fill(0);
    const seen = new Uint8Array(d.nEvents || d.n);
    for (let i = 0; i < d.n; i++) {
      if (!EM.mask[i] || seen[d.ev[i]]) continue;
      seen[d.ev[i]] = 1;
      counts[d.c[i]]++;
    }
    const labels = d.categories.map((c) => (style()[c] || {}).label || c);
    return {
      data: [{ type: "bar", orientation: "h", y: labels, x: counts, marker: { color: d.categories.map(catColor) },
               text: counts.map(fmt), textposition: "outside", cliponaxis: false, hovertemplate: "%{y}: %{x:,}<extra></extra>" }],
      layout: chartLayout({ height: 110, margin: { l: 70, r: 40, t: 4, b: 4 }, xaxis: Object.assign({}, AXIS, { visible: false }),
                            yaxis: Object.assign({}, AXIS, { autorange: "reversed" }) }),
    };
  }

  function countryFigure(d) {
    const counts = new Int32Array(d.countries.length);
    const seen = new Set();
    for (let i = 0; i < d.n; i++) {
      if (!EM.mask[i]) continue;
      const key = d.ev[i] * d.countries.length + d.k[i];
      if (seen.has(key)) continue;
      seen.add(key);
      counts[d.k[i]]++;
    }
    const top = Array.from(counts.keys()).filter((k) => counts[k] > 0 && d.countries[k]).sort((x, y) => counts[y] - counts[x]).slice(0, 12);
    const names = top.map((k) => EM.countryNames[d.countries[k]] || d.countries[k]);
    return {
      data: [{ type: "bar", orientation: "h", y: names, x: top.map((k) => counts[k]), marker: { color: "#6b7a8f" },
               text: top.map((k) => fmt(counts[k])), textposition: "outside", cliponaxis: false, hovertemplate: "%{y}: %{x:,}<extra></extra>" }],
      layout: chartLayout({ height: 40 + 18 * Math.max(top.length, 1), margin: { l: 110, r: 40, t: 4, b: 4 },
                            xaxis: Object.assign({}, AXIS, { visible: false }), yaxis: Object.assign({}, AXIS, { autorange: "reversed" }) }),
    };
  }

  function inBounds(bounds) {
    if (!bounds) return () => true;
    const sw = Array.isArray(bounds) ? bounds[0] : [bounds._southWest.lat, bounds._southWest.lng];
    const ne = Array.isArray(bounds) ? bounds[1] : [bounds._northEast.lat, bounds._northEast.lng];
    const [s, w] = sw;
    const [n, e] = ne;
    if (e - w >= 360) return (lat) => lat >= s && lat <= n;
    const west = ((((w + 180) % 360) + 360) % 360) - 180;
    const east = west + (e - w);
    return (lat, lon) => lat >= s && lat <= n && ((lon >= west && lon <= east) || (lon + 360 >= west && lon + 360 <= east));
  }

  const SORT_KEYS = {
    date: (d, i) => d.d0[i],
    category: (d, i) => d.categories[d.c[i]],
    subtype: (d, i) => d.subtypes[d.s[i]],
    place: (d, i) => d.places.name[d.p[i]],
    country: (d, i) => d.countries[d.k[i]],
    source: (d, i) => d.outlets[d.o[i]],
    title: (d, i) => (EM.text ? EM.text.docs[EM.text.doc[i]] : ""),
  };

  function tableRows(d, bounds, sortBy) {
    const inside = inBounds(bounds);
    const pl = d.places;
    const placeIn = new Uint8Array(pl.n);
    for (let p = 0; p < pl.n; p++) placeIn[p] = inside(pl.lat[p], pl.lon[p]) ? 1 : 0;
    const rows = [];
    for (let i = 0; i < d.n; i++) if (EM.mask[i] && placeIn[d.p[i]]) rows.push(i);
    const sort = (sortBy && sortBy[0]) || { column_id: "date", direction: "desc" };
    const key = SORT_KEYS[sort.column_id] || SORT_KEYS.date;
    const sign = sort.direction === "asc" ? 1 : -1;
    const keys = new Map();
    if (rows.length > TABLE_ROWS) {
      // Only the first rows are shown: a partial selection would do, a full sort is fast enough.
    }
    rows.forEach((i) => keys.set(i, key(d, i)));
    rows.sort((x, y) => {
      const a = keys.get(x);
      const b = keys.get(y);
      return (a < b ? -1 : a > b ? 1 : x - y) * sign;
    });
    const data = rows.slice(0, TABLE_ROWS).map((i) => ({
      id: i,
      date: d.d0[i] === NO_DAY ? "" : isoDay(d.d0[i]) + (d.dd[i] ? " → " + isoDay(d.d0[i] + d.dd[i]) : ""),
      category: (style()[d.categories[d.c[i]]] || {}).label || d.categories[d.c[i]],
      subtype: String(d.subtypes[d.s[i]] || "").replace(/_/g, " "),
      place: pl.name[d.p[i]],
      country: d.countries[d.k[i]],
      source: d.outlets[d.o[i]],
      title: EM.text ? EM.text.docs[EM.text.doc[i]] : "",
    }));
    const more = rows.length > TABLE_ROWS ? ` (first ${TABLE_ROWS} listed; zoom in or filter to see others)` : "";
    return [data, `${fmt(rows.length)} shown event rows in the map view${more}`];
  }
})(typeof window !== "undefined" ? window : globalThis);
