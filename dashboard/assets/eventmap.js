/* eventmap dashboard — browser side: load the compact payload once, filter it with core.js, draw it.
 *
 * Everything here is our own code; it loads nothing from outside the dashboard's own server.
 * The pure part (decoding, filters, counts, bins, hit tests, URLs) is core.js, shared with the
 * static export; this file draws the map and panels and holds the clientside callbacks.
 *
 * window.eventmap        state (decoded data, masks) and the functions dash-leaflet calls
 *                        ({"variable": "eventmap.pointToLayer"} in map_layers.py)
 * window.dash_clientside.eventmap   the clientside callbacks registered in callbacks.py
 */
(function (root) {
  "use strict";

  const core = root.eventmapCore;
  const EM = (root.eventmap = root.eventmap || {});
  Object.assign(EM, core);
  const { NO_DAY, DAY_MS, esc, isoDay, parseDay, fmt, plural } = core;
  const TABLE_ROWS = 200;
  const CARD_ROWS = 300;

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
  const catLabel = (label) => (style()[label] || {}).label || label;

  /** The loading line over the map: says what is loading, hidden when nothing is. */
  function loading(text) {
    EM.loadingText = text || "";
    dc.set_props("em-loading", { children: text || "", className: text ? "em-loading" : "em-loading em-hidden" });
  }

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
      stops.push(`${catColor(EM.data.categories[i])} ${at.toFixed(1)}% ${next.toFixed(1)}%`);
      at = next;
    });
    return `conic-gradient(${stops.join(",")})`;
  }

  /** Pin size (px): fixed, or growing with the fatalities at the place when "size by fatalities" is on. */
  function pinSize(fatalities) {
    if (!EM.sizeByFatalities || !fatalities) return 24;
    return Math.round(24 + 7 * Math.log2(1 + fatalities));
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
    const size = pinSize(props.f);
    const ring = `style="background:${mixed ? mix(props.c) : catColor(main)};width:${size}px;height:${size}px"`;
    const badge = props.n > 1 ? `<b class="em-badge">${props.n > 999 ? Math.round(props.n / 100) / 10 + "k" : props.n}</b>` : "";
    const html = `<span class="em-pin" ${ring}><i elementtiming="em-marker">${esc(catSymbol(main))}</i></span>${badge}`;
    const icon = L.divIcon({ html, className: `em-marker em-cat-${esc(main)}`, iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
    return L.marker(latlng, { icon, keyboard: false, title: EM.data.places.name[props.p] });
  };

  /** A cluster of localities: a donut of its category mix and its number of events. */
  EM.clusterToLayer = function (feature, latlng, index) {
    const nc = EM.data.categories.length;
    const counts = new Array(nc).fill(0);
    let total = 0;
    let fatalities = 0;
    for (const leaf of index.getLeaves(feature.properties.cluster_id, Infinity)) {
      const c = leaf.properties.c;
      for (let i = 0; i < nc; i++) counts[i] += c[i];
      total += leaf.properties.n;
      fatalities += leaf.properties.f || 0;
    }
    const base = Math.round(30 + 7 * Math.log10(1 + total));
    const size = EM.sizeByFatalities && fatalities ? Math.round(base + 5 * Math.log2(1 + fatalities)) : base;
    const label = total > 9999 ? Math.round(total / 1000) + "k" : total > 999 ? Math.round(total / 100) / 10 + "k" : total;
    const main = EM.data.categories[dominant(counts)];
    const html = `<div class="em-cluster-ring" style="background:${mix(counts)}"><span elementtiming="em-marker">${label}</span></div>`;
    const icon = L.divIcon({ html, className: `em-cluster em-cat-${esc(main)}`, iconSize: [size, size] });
    return L.marker(latlng, { icon, keyboard: false });
  };

  function fatalText(f) {
    return f ? `, ${plural(f, "fatality").replace("fatalitys", "fatalities")}` : "";
  }

  EM.pointEach = function (feature, layer) {
    const props = feature.properties;
    if (props.cluster || props.sentinel) return;
    layer.bindTooltip(`${esc(EM.data.places.name[props.p])} — ${plural(props.n, "event")}${fatalText(props.f)}`);
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

  /** An area place without a shape: a halo sized by its precision (core.haloRadius), never a pin. */
  EM.areaPoint = function (feature, latlng) {
    const mark = sentinel(feature, "areas");
    if (mark) return mark;
    const radius = core.haloRadius(EM.data, EM.data.places.prec[feature.properties.p]);
    return L.circle(latlng, Object.assign({ radius }, EM.areaStyle(feature), { dashArray: "3 5" }));
  };

  function areaTooltip(props) {
    const name = EM.data.places.name[props.p];
    const kind = EM.data.places.kind[props.p] || PRECISION[EM.data.places.prec[props.p]] || "area";
    return `${esc(name)} (${esc(kind)}) — ${plural(props.n, "event")}${fatalText(props.f)}`;
  }

  EM.areaEach = function (feature, layer) {
    if (feature.properties.sentinel) return;
    // Keep a handle on each area, so a filter change restyles it instead of rebuilding the layer.
    (EM.areaLayers = EM.areaLayers || new Map()).set(feature.properties.p, layer);
    layer.bindTooltip(areaTooltip(feature.properties), { sticky: true });
    // Where the click was: the card then lists every area drawn under that point (see `select`).
    layer.on("click", (e) => {
      EM.lastClick = { lat: e.latlng.lat, lng: e.latlng.lng, at: performance.now() };
    });
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
      props.f = agg.fatal[p] || 0;
      props.c = core.placeCounts(agg, p);
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
    if (context && context.map) EM.map = context.map; // the Leaflet map (tests and tools use it)
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
  async function fetchBinary(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return core.decodeBinary(await response.arrayBuffer());
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
    const pending = new Set(["search text", "area shapes"]);
    const done = (what) => {
      pending.delete(what);
      loading(pending.size ? `Loading ${[...pending].join(" and ")}…` : "");
    };
    loading("Loading search text and area shapes…");
    fetchJson(source.shapes_url)
      .then((shapes) => {
        if (EM.data && EM.data.generation === generation) {
          EM.shapes = shapes;
          done("area shapes");
          bump();
        }
      })
      .catch((err) => {
        done("area shapes");
        console.warn("eventmap: area shapes unavailable:", err.message);
      });
    fetchBinary(source.text_url)
      .then((text) => {
        if (EM.data && EM.data.generation === generation) {
          EM.text = core.decodeText(text);
          done("search text");
          bump();
        }
      })
      .catch((err) => {
        done("search text");
        console.warn("eventmap: search text unavailable:", err.message);
      });
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
      return fetchBinary(prefix + "eventmap-api/events.bin").then((payload) => {
        EM.marks.prefetched = performance.now();
        return { payload, data: core.decode(payload) };
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
    const payload = await fetchBinary(source.url);
    return { payload, data: core.decode(payload) };
  }

  const CONTROLS = ["categories", "statuses", "subtypes", "countries", "sources", "actors", "roles", "query"];

  const clientside = {
    /** Load (or reload after an upload) the payload; on the first load, restore the view from the URL. */
    load: async function (source) {
      if (!source || !source.url) return dc.no_update;
      EM.marks = Object.assign(EM.marks || {}, { loadStart: performance.now() });
      EM.style = source.style || EM.style;
      EM.countryNames = source.country_names || EM.countryNames || {};
      EM.defaults = source.defaults || EM.defaults || {};
      EM.upload = source.upload || EM.upload;
      ensureFileInput();
      // At phone width the legend starts folded: open, it would cover half the map.
      const legend = document.querySelector(".em-legend");
      if (legend && !EM.legendFolded && root.innerWidth < 760) legend.open = false;
      EM.legendFolded = true;
      loading(EM.data ? "Loading the updated events…" : "Loading events…");
      const { payload, data } = await loadPayload(source);
      EM.marks.loaded = performance.now();
      loading("Drawing the map…");
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
      if (!EM.restored) {
        EM.restored = true;
        const view = core.parseQuery(root.location.search);
        EM.pendingWindow = view.window || null;
        // A shared link with a search term: the filter waits for the search text (see `filter`).
        EM.pendingQuery = view.query || "";
        CONTROLS.forEach((name) => out.push(view[name] === undefined ? dc.no_update : view[name]));
        out.push(view.center ? { center: view.center, zoom: view.zoom, transition: "setView" } : dc.no_update);
      } else {
        CONTROLS.forEach(() => out.push(dc.no_update));
        out.push(dc.no_update);
      }
      root.eventmap.loaded = payload.generation;
      return out;
    },

    /** The date window: brushed on the timeline or the series chart, typed, reset, restored from the URL or played. */
    window: function (dataInfo, timelineAll, seriesAll, from, to, allClicks, playClicks, tick, speed, windowNow, paused) {
      const trigger = triggered();
      const d = EM.data;
      if (!d || !d.extent) return [null, "", "", true, "▶ Play"];
      const [a, b] = d.extent;
      const out = (win, stop) => {
        const w = win ? [Math.max(a, Math.min(win[0], win[1])), Math.min(b, Math.max(win[0], win[1]))] : null;
        const full = !w || (w[0] <= a && w[1] >= b);
        // Whether playback runs is kept here, not read from the clock's state: a tick already queued
        // when Pause is clicked must not start it again.
        const playing = stop === undefined ? !!EM.playing : !stop;
        EM.playing = playing;
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
      if (trigger === "em-timeline" || trigger === "em-series") {
        const selected = ((trigger === "em-timeline" ? timelineAll : seriesAll) || [])[0];
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
        if (EM.playing) return out(windowNow, true);
        // Playback starts where the events dated to the day start (d.extent), never on an empty year.
        const width = windowNow ? current[1] - current[0] : Math.max(7, Math.round((b - a) / 12));
        const start = windowNow && current[1] < b ? current[0] : a;
        return out([start, start + width], false);
      }
      if (trigger === "em-play-clock") {
        if (!EM.playing) return dc.no_update;
        if (current[1] >= b) return out(current, true);
        return out([current[0] + step, current[1] + step], false);
      }
      return dc.no_update;
    },

    /** Apply every filter to every row; redraw the map layers and the counter. */
    filter: async function (dataInfo, categories, statuses, subtypes, countries, sources, actors, roles, query, win, sizing) {
      if (!EM.data) return [dc.no_update, dc.no_update, "Loading events…", dc.no_update];
      await mounted();
      const d = EM.data;
      const t0 = performance.now();
      if (EM.marks && !EM.marks.firstFilter) EM.marks.firstFilter = t0;
      EM.sizeByFatalities = (sizing || []).includes("fatalities");
      const spec = { categories, statuses, subtypes, countries, sources, actors, roles, window: win, query };
      // A shared link's search term arrives with the controls; until it is in the box, wait for it.
      if (EM.pendingQuery && (query || "") !== EM.pendingQuery) return [dc.no_update, dc.no_update, dc.no_update, dc.no_update];
      EM.pendingQuery = "";
      // The search text or the shapes arriving later only matter if a query waits for them / to draw areas.
      const key = JSON.stringify([d.generation, spec, !!(query && EM.text), EM.sizeByFatalities]);
      if (key === EM.lastKey) {
        const last = EM.lastOutput;
        const shown = document.getElementById("em-counter");
        if (last && shown && shown.textContent !== last.counter) {
          // Dash keeps only the outputs of the newest run of a callback: when the run that computed
          // this view was overtaken (the search text and the area shapes arrive one after the
          // other), its outputs were dropped. Send them again.
          ensureDrawn("em-points", last.points, 3);
          return [last.points, dc.no_update, last.counter, last.summary];
        }
        if (EM.areasDrawn === EM.shapes) return [dc.no_update, dc.no_update, dc.no_update, dc.no_update];
        EM.areasDrawn = EM.shapes;
        EM.areaLayers = new Map();
        const areas = core.areaFeatures(EM.shapes, EM.agg);
        ensureDrawn("em-areas", areas, 3);
        return [dc.no_update, areas, dc.no_update, dc.no_update];
      }
      EM.lastKey = key;
      const result = core.filterRows(d, spec, EM.text);
      EM.mask = result.mask;
      EM.context = result.context;
      EM.result = result;
      const agg = core.aggregate(d, result.mask);
      EM.agg = agg;
      const points = core.pointFeatures(d, agg);
      if (EM.sizeByFatalities) points.features.forEach((f) => (f.properties.sz = pinSize(f.properties.f)));
      let areas = dc.no_update;
      if (EM.areasDrawn !== EM.shapes) {
        // New shapes (first load, new store generation): draw them once…
        EM.areasDrawn = EM.shapes;
        EM.areaLayers = new Map();
        areas = core.areaFeatures(EM.shapes, agg);
      } else {
        // …afterwards only restyle them (rebuilding 100s of polygons costs ~80 ms per change).
        restyleAreas(agg);
      }
      EM.spec = spec;
      EM.lastFilterMs = performance.now() - t0;
      ensureDrawn("em-points", points, 3);
      if (areas !== dc.no_update) ensureDrawn("em-areas", areas, 3);
      if (EM.loadingText === "Drawing the map…") loading("");
      const waiting = result.textPending ? " (search text still loading…)" : "";
      const fatal = result.fatalities ? ` · ${fmt(result.fatalities)} fatalities` : "";
      const counter = d.n
        ? `${fmt(result.events)} of ${fmt(d.nEvents)} events shown${fatal}${waiting}`
        : "0 of 0 events shown — no events yet: add articles (right) or run `eventmap ingest`";
      const summary = {
        seq: (EM.filterSeq = (EM.filterSeq || 0) + 1), generation: d.generation, events: result.events,
        rows: result.shown, places: agg.places, fatalities: result.fatalities,
      };
      EM.lastOutput = { points, counter, summary };
      return [points, areas, counter, summary];
    },

    /** Timeline, category, country and time-series charts of the shown events (after the map has painted). */
    charts: async function (summary, mountedPanels, unit) {
      const counts = [matched(0), matched(1), matched(2), matched(3)];
      await nextPaint();
      const d = EM.data;
      if (!d || !EM.mask) return [dc.no_update, dc.no_update, dc.no_update, dc.no_update];
      const figures = [timelineFigure, categoryFigure, countryFigure, (data) => seriesFigure(data, unit)];
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

    /**
     * What the card shows: a click on a place (the pin wins), on an area (every area drawn under the
     * pointer, most precise first) or on a table row; and, after every filter change, the same
     * places again with only the rows still shown (the card never shows a hidden event).
     */
    select: function (pointClick, areaClick, activeCells, summary) {
      const trigger = triggered();
      const d = EM.data;
      if (!d || !EM.mask) return [dc.no_update, dc.no_update];
      if (trigger === "em-filtered") {
        if (!EM.picked || EM.picked.generation !== d.generation) return [dc.no_update, dc.no_update];
        return [selection(d, EM.picked.places, EM.picked.first), dc.no_update];
      }
      if (trigger === "em-table") {
        const activeCell = (activeCells || [])[0];
        if (!activeCell || activeCell.row_id === undefined || activeCell.row_id === null) return [dc.no_update, dc.no_update];
        const row = Number(activeCell.row_id);
        const p = d.p[row];
        const zoom = { 1: 8, 2: 6, 3: 5, 4: 3 }[d.places.prec[p]] || 6;
        const viewport = { center: [d.places.lat[p], d.places.lon[p]], zoom, transition: "flyTo" };
        return [pick(d, [p], row), viewport];
      }
      const click = trigger === "em-areas" ? areaClick : pointClick;
      const props = click && click.properties;
      if (!props || props.cluster) return [dc.no_update, dc.no_update];
      if (trigger === "em-areas" && EM.lastClick && EM.shapes) {
        const under = core.areasAt(d, EM.shapes, EM.agg.totals, EM.lastClick.lat, EM.lastClick.lng);
        if (under.length) return [pick(d, under, null), dc.no_update];
      }
      return [pick(d, [props.p], null), dc.no_update];
    },

    /** Keep the view in the address bar (replaceState: no history entry per map move; off the critical path). */
    url: function (categories, statuses, subtypes, countries, sources, actors, roles, query, win, center, zoom) {
      if (!EM.restored) return dc.no_update;
      const c = center && (Array.isArray(center) ? center : [center.lat, center.lng]);
      const view = { categories, statuses, subtypes, countries, sources, actors, roles, query, window: win, center: c, zoom };
      const search = core.buildQuery(view, EM.defaults);
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
      return { kind, mask: core.encodeMask(EM.mask), generation: EM.data.generation, seq: Date.now() };
    },
  };
  dc.eventmap = Object.assign(dc.eventmap || {}, clientside);

  function pick(d, places, first) {
    EM.picked = { generation: d.generation, places, first };
    return selection(d, places, first);
  }

  /** The selection the server's card_view reads: the places clicked and the shown rows there. */
  function selection(d, places, first) {
    const keep = first !== null && first !== undefined && EM.mask[first] ? first : null;
    const got = core.rowsAt(d, EM.mask, places, keep, CARD_ROWS);
    const counts = got.perPlace.filter(([, n]) => n > 0);
    const head = counts.length ? counts[0][0] : places[0];
    const events = core.countEvents(d, EM.mask, (i) => places.includes(d.p[i]));
    return {
      generation: d.generation,
      place: head,
      name: d.places.name[head],
      kind: d.places.kind[head] || PRECISION[d.places.prec[head]] || "",
      rows: got.rows,
      total: got.total,
      events: events.events,
      fatalities: events.fatalities,
      places: counts.map(([p, n]) => ({ name: d.places.name[p], kind: d.places.kind[p] || PRECISION[d.places.prec[p]] || "", n })),
      hidden: got.total === 0,
      seq: (EM.selectSeq = (EM.selectSeq || 0) + 1),
    };
  }

  // ------------------------------------------------------------------ uploads
  /*
   * Each file goes in its own request, as its raw body (dashboard/jobs.py): the browser checks the
   * suffix and size first, the server checks them again before reading and streams the rest to
   * disk. A committed batch becomes a background job whose progress we poll.
   */
  const uploadBox = () => document.getElementById("em-upload-status");
  function uploadLine(text) {
    const line = document.createElement("div");
    line.className = "em-upload-line" + (text.startsWith("✗") ? " em-upload-error" : "");
    line.textContent = text; // article names and messages are text, never markup
    uploadBox().appendChild(line);
  }
  function uploadProgress(done, total, stage) {
    const box = document.getElementById("em-upload-progress");
    if (!box) return;
    box.classList.toggle("em-hidden", !stage);
    const bar = box.querySelector("progress");
    bar.max = Math.max(1, total);
    bar.value = done;
    box.querySelector(".em-upload-stage").textContent = stage ? ` ${stage} (${done} of ${total})` : "";
  }
  function refusedHere(file, rules) {
    const dot = file.name.lastIndexOf(".");
    const suffix = dot > 0 ? file.name.slice(dot).toLowerCase() : "";
    if (suffix === ".pdf") return `✗ ${file.name}: is a PDF; save the article as text (.txt) or web page (.html) and upload that`;
    if (!rules.suffixes.includes(suffix)) {
      return `✗ ${file.name}: ${suffix ? suffix + " files are" : "a file without a suffix is"} not articles; upload .txt, .md or .html files`;
    }
    if (rules.max_bytes && file.size > rules.max_bytes) {
      return `✗ ${file.name}: is ${(file.size / 1e6).toFixed(1)} MB, over the ${(rules.max_bytes / 1e6).toFixed(1)} MB upload limit (setting max_upload_bytes)`;
    }
    return null;
  }

  async function uploadFiles(files) {
    const rules = EM.upload;
    if (!rules || !files.length || EM.uploading) return;
    EM.uploading = true;
    uploadBox().replaceChildren();
    const published = (document.getElementById("em-upload-published") || {}).value || "";
    const source = (document.getElementById("em-upload-source") || {}).value || "";
    try {
      let batch = "";
      let fromServer = 0;
      for (const [k, file] of files.entries()) {
        uploadProgress(k, files.length, `Sending ${file.name}…`);
        const refused = refusedHere(file, rules);
        if (refused) {
          uploadLine(refused);
          continue;
        }
        const url = `${rules.url}?name=${encodeURIComponent(file.name)}${batch ? "&batch=" + batch : ""}`;
        const response = await fetch(url, { method: "POST", body: file, headers: { "Content-Type": "application/octet-stream" } });
        const answer = await response.json();
        if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
        batch = answer.batch;
        if (answer.line) {
          uploadLine(answer.line);
          fromServer++; // the job's own lines start with these
        }
      }
      if (!batch) {
        uploadProgress(0, 0, "");
        uploadLine("No file could be added.");
        return;
      }
      const response = await fetch(`${rules.url}/commit`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ batch, published, source }),
      });
      let job = await response.json();
      while (job.state !== "done" && job.state !== "failed") {
        uploadProgress(job.done, job.total, job.stage);
        await new Promise((resolve) => setTimeout(resolve, 400));
        job = await fetchJson(rules.jobs_url + job.job);
      }
      job.lines.slice(fromServer).forEach(uploadLine);
      uploadProgress(0, 0, "");
      EM.lastJob = job;
      // The server callback reloads the data when the store changed.
      dc.set_props("em-upload-job", { data: { job: job.job, added: job.added, seq: Date.now() } });
    } catch (err) {
      uploadProgress(0, 0, "");
      uploadLine(`✗ the upload failed: ${err.message}`);
    } finally {
      EM.uploading = false;
      const input = document.querySelector("#em-upload input[type=file]");
      if (input) input.value = "";
    }
  }

  /** The file input of the upload box (Dash has no <input type=file> component of its own). */
  function ensureFileInput() {
    const zone = document.getElementById("em-upload");
    if (!zone || zone.querySelector("input[type=file]")) return;
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.accept = ((EM.upload && EM.upload.suffixes) || [".txt", ".md", ".html", ".htm"]).join(",");
    input.className = "em-file";
    zone.appendChild(input);
  }
  EM.ensureFileInput = ensureFileInput;

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input && input.matches && input.matches("#em-upload input[type=file]")) uploadFiles(Array.from(input.files || []));
  });
  document.addEventListener("dragover", (event) => {
    if (event.target.closest && event.target.closest("#em-upload")) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    if (!(event.target.closest && event.target.closest("#em-upload"))) return;
    event.preventDefault();
    uploadFiles(Array.from((event.dataTransfer && event.dataTransfer.files) || []));
  });

  // ------------------------------------------------------------------ panels
  const AXIS = { showgrid: false, zeroline: false, fixedrange: true };
  function chartLayout(extra) {
    return Object.assign(
      { margin: { l: 8, r: 8, t: 4, b: 24 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", showlegend: false, font: { size: 11 } },
      extra,
    );
  }
  const EMPTY = () => ({ data: [], layout: chartLayout({ xaxis: { visible: false }, yaxis: { visible: false } }) });

  function windowShape() {
    const win = EM.spec && EM.spec.window;
    return win
      ? [{ type: "rect", xref: "x", yref: "paper", x0: isoDay(win[0]), x1: isoDay(win[1] + 1), y0: 0, y1: 1,
           fillcolor: "rgba(255,196,0,0.18)", line: { color: "rgba(200,140,0,0.9)", width: 1 } }]
      : [];
  }

  /** Month- and year-precision events as horizontal spans (one line per period and category). */
  function spanTraces(d, spans, extent, yOf) {
    const xs = [];
    const ys = [];
    const texts = [];
    const colors = [];
    spans.sort((x, y) => x[0] - y[0] || x[2] - y[2]);
    spans.forEach(([a, b, c, n], k) => {
      const lo = Math.max(a, extent[0] - 1);
      const hi = Math.min(b + 1, extent[1] + 2);
      if (hi <= lo) return;
      const y = yOf(k);
      const label = `${plural(n, catLabel(d.categories[c]).toLowerCase() + " event")} dated ${isoDay(a).slice(0, b - a > 40 ? 4 : 7)}`;
      xs.push(isoDay(lo), isoDay(hi), null);
      ys.push(y, y, null);
      texts.push(label, label, null);
      colors.push(catColor(d.categories[c]));
    });
    if (!xs.length) return [];
    return [{ type: "scatter", mode: "lines", x: xs, y: ys, text: texts, hoverinfo: "text", name: "month/year dates",
              line: { color: "rgba(90,90,90,0.75)", width: 4 }, connectgaps: false }];
  }

  function timelineFigure(d) {
    if (!d.extent) return EMPTY();
    const got = core.series(d, EM.context, null, d.extent);
    const b = got.bins;
    const x = b.starts.map((s) => new Date((s + b.size / 2) * DAY_MS).toISOString());
    const totals = b.starts.map((_, k) => got.counts.reduce((sum, row) => sum + row[k], 0));
    const top = totals.reduce((m, v) => Math.max(m, v), 1);
    const data = d.categories.map((label, c) => ({
      type: "bar", x, y: got.counts[c], name: catLabel(label),
      marker: { color: catColor(label) }, width: b.size * DAY_MS * 0.92, hovertemplate: "%{y:,} %{fullData.name}<extra></extra>",
    }));
    const spans = spanTraces(d, got.spans, d.extent, (k) => top * (1.08 + 0.06 * (k % 4)));
    const range = [isoDay(d.extent[0] - 1), isoDay(d.extent[1] + 2)];
    // Month/year dates wholly outside the range are not drawn there: a note at the edge counts them.
    const outside = (before) => got.spans.filter(([a, b]) => (before ? b < d.extent[0] : a > d.extent[1])).reduce((n, s) => n + s[3], 0);
    const notes = [[outside(true), 0, "left", "← "], [outside(false), 1, "right", ""]]
      .filter(([n]) => n > 0)
      .map(([n, x, anchor, arrow]) => ({
        xref: "paper", yref: "paper", x, y: 1, xanchor: anchor, yanchor: "top", showarrow: false, font: { size: 10, color: "#555" },
        text: `${arrow}${plural(n, x ? "later event" : "earlier event")} dated only to a month or year${x ? " →" : ""}`,
      }));
    return {
      data: data.concat(spans),
      layout: chartLayout({
        annotations: notes,
        barmode: "stack", bargap: 0, dragmode: "select", selectdirection: "h", hovermode: "closest", shapes: windowShape(),
        xaxis: Object.assign({}, AXIS, { type: "date", range, fixedrange: true }),
        yaxis: Object.assign({}, AXIS, { visible: false, range: [0, top * (spans.length ? 1.35 : 1.05)] }),
        uirevision: "timeline", selections: [],
      }),
    };
  }

  /** Events per category, stacked, per week or month: the time series next to the country bars. */
  function seriesFigure(d, unit) {
    if (!d.extent) return EMPTY();
    const got = core.series(d, EM.context, unit === "week" ? "week" : "month", d.extent);
    const b = got.bins;
    const x = b.starts.map((s) => isoDay(s));
    const data = d.categories.map((label, c) => ({
      type: "scatter", mode: "lines", stackgroup: "one", x, y: got.counts[c], name: catLabel(label),
      line: { color: catColor(label), width: 1, shape: "hv" }, fillcolor: catColor(label),
      hovertemplate: `%{y:,} ${esc(catLabel(label))} · ${b.unit} of %{x}<extra></extra>`,
    }));
    return {
      data,
      layout: chartLayout({
        height: 150, margin: { l: 30, r: 8, t: 4, b: 24 }, dragmode: "select", selectdirection: "h", hovermode: "closest",
        shapes: windowShape(), showlegend: false,
        xaxis: Object.assign({}, AXIS, { type: "date", range: [isoDay(d.extent[0] - 1), isoDay(d.extent[1] + 2)] }),
        yaxis: Object.assign({}, AXIS, { visible: true, showgrid: true, gridcolor: "#eee", tickformat: ",d", rangemode: "tozero" }),
        uirevision: "series", selections: [],
      }),
    };
  }

  // Charts count events, not (event, place) rows: an event in two places counts once (per country).
  function categoryFigure(d) {
    const counts = new Array(d.categories.length).fill(0);
    const fatal = new Array(d.categories.length).fill(0);
    const seen = new Uint8Array(d.nEvents || d.n);
    for (let i = 0; i < d.n; i++) {
      if (!EM.mask[i] || seen[d.ev[i]]) continue;
      seen[d.ev[i]] = 1;
      counts[d.c[i]]++;
      fatal[d.c[i]] += d.f[i];
    }
    const labels = d.categories.map(catLabel);
    const text = counts.map((n, c) => fmt(n) + (fatal[c] ? ` · ${fmt(fatal[c])} killed` : ""));
    return {
      data: [{ type: "bar", orientation: "h", y: labels, x: counts, marker: { color: d.categories.map(catColor) },
               text, textposition: "outside", cliponaxis: false, customdata: fatal,
               hovertemplate: "%{y}: %{x:,} events, %{customdata:,} fatalities<extra></extra>" }],
      layout: chartLayout({ height: 110, margin: { l: 70, r: 90, t: 4, b: 4 }, xaxis: Object.assign({}, AXIS, { visible: false }),
                            yaxis: Object.assign({}, AXIS, { autorange: "reversed" }) }),
    };
  }

  function countryFigure(d) {
    const counts = new Int32Array(d.countries.length);
    const fatal = new Int32Array(d.countries.length);
    const seen = new Set();
    for (let i = 0; i < d.n; i++) {
      if (!EM.mask[i]) continue;
      const key = d.ev[i] * d.countries.length + d.k[i];
      if (seen.has(key)) continue;
      seen.add(key);
      counts[d.k[i]]++;
      fatal[d.k[i]] += d.f[i];
    }
    const top = Array.from(counts.keys()).filter((k) => counts[k] > 0 && d.countries[k]).sort((x, y) => counts[y] - counts[x]).slice(0, 12);
    const names = top.map((k) => EM.countryNames[d.countries[k]] || d.countries[k]);
    return {
      data: [{ type: "bar", orientation: "h", y: names, x: top.map((k) => counts[k]), marker: { color: "#6b7a8f" },
               text: top.map((k) => fmt(counts[k]) + (fatal[k] ? ` · ${fmt(fatal[k])} killed` : "")), textposition: "outside",
               cliponaxis: false, customdata: top.map((k) => fatal[k]),
               hovertemplate: "%{y}: %{x:,} events, %{customdata:,} fatalities<extra></extra>" }],
      layout: chartLayout({ height: 40 + 18 * Math.max(top.length, 1), margin: { l: 110, r: 90, t: 4, b: 4 },
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
    status: (d, i) => d.statuses[d.st[i]],
    fatalities: (d, i) => d.f[i],
    place: (d, i) => d.places.name[d.p[i]],
    country: (d, i) => d.countries[d.k[i]],
    source: (d, i) => d.outlets[d.o[i]],
    title: (d, i) => (EM.text ? EM.text.docs[EM.text.doc[i]] : ""),
  };

  function dateText(d, i) {
    if (d.d0[i] === NO_DAY) return "";
    const precision = d.datePrecisions[d.dp[i]];
    if (precision === "year") return isoDay(d.d0[i]).slice(0, 4);
    if (precision === "month") return isoDay(d.d0[i]).slice(0, 7);
    return isoDay(d.d0[i]) + (d.dd[i] ? " → " + isoDay(d.d0[i] + d.dd[i]) : "");
  }

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
    rows.forEach((i) => keys.set(i, key(d, i)));
    rows.sort((x, y) => {
      const a = keys.get(x);
      const b = keys.get(y);
      return (a < b ? -1 : a > b ? 1 : x - y) * sign;
    });
    const data = rows.slice(0, TABLE_ROWS).map((i) => ({
      id: i,
      date: dateText(d, i),
      category: catLabel(d.categories[d.c[i]]),
      subtype: String(d.subtypes[d.s[i]] || "").replace(/_/g, " "),
      status: d.statuses[d.st[i]],
      fatalities: d.f[i] || "",
      place: pl.name[d.p[i]],
      country: d.countries[d.k[i]],
      source: d.outlets[d.o[i]],
      title: EM.text ? EM.text.docs[EM.text.doc[i]] : "",
    }));
    const counted = core.countEvents(d, EM.mask, (i) => placeIn[d.p[i]]);
    const places = new Set(rows.map((i) => d.p[i])).size;
    const more = rows.length > TABLE_ROWS ? ` (first ${TABLE_ROWS} rows listed; zoom in or filter to see others)` : "";
    const detail = counted.rows !== counted.events ? ` at ${plural(places, "place")}, one row per event and place` : "";
    return [data, `${plural(counted.events, "event")} in the map view${detail}${more}`];
  }
})(typeof window !== "undefined" ? window : globalThis);
