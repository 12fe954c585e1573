/* eventmap static export: the small runtime every exported map inlines (our code, MIT).
 *
 * It reads the one compact data block the Python side wrote (dashboard/export.py), builds a
 * marker-cluster layer and an area layer per category, and a date-range control that filters the
 * features and then rebuilds the clusters (filter first, then cluster; folium#1391).
 *
 * Safety: article text never reaches this file as code. Event cards arrive as HTML fragments that
 * dashboard/card.py escaped in Python; they are set with innerHTML and never evaluated. Every other
 * string (place names, labels, dates) is set with textContent.
 */
(function (global) {
  "use strict";

  /* The dashboard's core.js (inlined just before this file): decoding, filters, halos, dates. */
  var core = global.eventmapCore;
  var AREA_POPUP_CARDS = 20;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmt(n) {
    return Number(n).toLocaleString("en-US");
  }

  var isoDay = core.isoDay;
  var dayOf = core.parseDay;

  /* Quantised, delta-encoded polygons ([[x0, y0, dx, dy, ...] per ring] per polygon, 1/scale
   * degrees) to Leaflet's nested [lat, lng] arrays. */
  function decodePolygons(encoded, scale) {
    return encoded.map(function (rings) {
      return rings.map(function (ring) {
        var x = 0, y = 0, out = new Array(ring.length / 2);
        for (var i = 0, j = 0; i < ring.length; i += 2, j += 1) {
          x += ring[i];
          y += ring[i + 1];
          out[j] = [y / scale, x / scale];
        }
        return out;
      });
    });
  }

  /* A data block: JSON, gzipped, base64 (dashboard/export.py _pack), decoded in the page. */
  function readBlock(id) {
    var node = document.getElementById(id);
    if (!node) return Promise.reject(new Error("missing data block " + id));
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot open the map (it needs DecompressionStream: " +
        "Chrome/Edge 80+, Firefox 113+, Safari 16.4+)"));
    }
    var raw = atob(node.textContent.trim());
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  function readJson(id) {
    return readBlock(id).then(function (buffer) { return JSON.parse(new TextDecoder("utf-8").decode(buffer)); });
  }

  function showError(map, err) {
    if (global.console) console.error("eventmap:", err);
    var box = el("div", "em-error", "This map could not be drawn: " + (err && err.message ? err.message : err));
    map.getContainer().appendChild(box);
    document.documentElement.setAttribute("data-eventmap-error", "1");
  }

  /* Fill of an area: more events, more ink; a continent or an ocean stays a faint wash. */
  function areaOpacity(sizeDeg2, n) {
    var base = sizeDeg2 > 2000 ? 0.015 : sizeDeg2 > 300 ? 0.04 : sizeDeg2 > 20 ? 0.08 : 0.12;
    return Math.min(base * (1 + Math.log2(1 + n) / 3), 0.4);
  }

  /* The runtime object; every method that needs the data runs once the block is decoded, in call order. */
  function EventMap(map, blockId) {
    var self = this;
    this.map = map;
    this.layers = {};
    this.listeners = [];
    this.visible = { total: 0, byCategory: {} };
    this.areaRenderer = L.canvas({ padding: 0.3 });
    this.popup = L.popup({ maxWidth: 420, minWidth: 280, maxHeight: 360, autoPanPadding: [30, 30] });
    this.loaded = readBlock(blockId).then(function (buffer) { self._init(core.decodeBinary(buffer)); });
  }

  EventMap.prototype.later = function (fn) {
    var self = this, args = Array.prototype.slice.call(arguments, 1);
    this.loaded = this.loaded.then(function () { return fn.apply(self, args); });
    return this.loaded;
  };

  EventMap.prototype._init = function (raw) {
    this.raw = raw;
    this.d = core.decode(raw);
    this.data = raw; /* styles, shapes, cards and fragments */
    this.n = this.d.n;
    this.range = [raw.span.first, raw.span.last];
    this.spec = {
      categories: this.d.categories.slice(), statuses: this.d.mappedStatuses.slice(), window: null, query: ""
    };
    this.cards = raw.slots.map(function (_, k) { return raw.cards["s" + k]; });
    this._groupByCategory();
    this._filter();
  };

  EventMap.prototype._groupByCategory = function () {
    var d = this.d;
    this.byCategory = d.categories.map(function () { return { points: [], areas: {} }; });
    for (var i = 0; i < this.n; i += 1) {
      var bucket = this.byCategory[d.c[i]];
      var p = d.p[i];
      if (d.places.prec[p] >= 2) {
        (bucket.areas[p] = bucket.areas[p] || []).push(i);
      } else {
        bucket.points.push(i);
      }
    }
  };

  /* The rows shown: the dashboard's filter (core.filterRows) over the chosen dates and statuses. */
  EventMap.prototype._filter = function () {
    var full = this.range[0] === null || (this.range[0] <= this.raw.span.first && this.range[1] >= this.raw.span.last);
    this.spec.window = full ? null : this.range;
    this.result = core.filterRows(this.d, this.spec, null);
    this.mask = this.result.mask;
  };

  EventMap.prototype.inRange = function (i) {
    return this.mask[i] === 1;
  };

  /* The event card of feature i: the fragments card.py produced, in slot order. */
  EventMap.prototype.cardHtml = function (i) {
    var d = this.data, parts = [];
    for (var s = 0; s < d.slots.length; s += 1) parts.push(d.frag[this.cards[s][i]]);
    return parts.join("");
  };

  EventMap.prototype.cardNode = function (i) {
    var box = el("div", "em-card-box");
    box.innerHTML = this.cardHtml(i);
    return box;
  };

  EventMap.prototype.openCard = function (latlng, i) {
    var box = el("div", "em-popup");
    box.appendChild(this.cardNode(i));
    this.popup.setLatLng(latlng).setContent(box).openOn(this.map);
  };

  EventMap.prototype.openArea = function (latlng, catIndex, place) {
    var self = this, d = this.d;
    var all = this.byCategory[catIndex].areas[place] || [];
    var shown = all.filter(function (i) { return self.inRange(i); });
    shown.sort(function (a, b) { return d.d0[b] - d.d0[a]; });
    var n = core.countEvents(d, this.mask, function (i) { return d.p[i] === place && d.c[i] === catIndex; }).events;
    var box = el("div", "em-popup");
    var head = el("div", "em-area-head");
    head.appendChild(el("strong", null, d.places.name[place]));
    head.appendChild(el("span", null, " · " + this.data.precision[d.places.prec[place]] + " · " + core.plural(n,
      this.data.styles[catIndex].label.toLowerCase() + " event") + " shown"));
    box.appendChild(head);
    shown.slice(0, AREA_POPUP_CARDS).forEach(function (i) { box.appendChild(self.cardNode(i)); });
    if (shown.length > AREA_POPUP_CARDS) {
      box.appendChild(el("div", "em-more", "… and " + fmt(shown.length - AREA_POPUP_CARDS) +
        " more; narrow the dates to see them."));
    }
    this.popup.setLatLng(latlng).setContent(box).openOn(this.map);
  };

  EventMap.prototype.clusterIcon = function (catIndex) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 48;
      var inner = el("div", null);
      inner.appendChild(el("span", null, fmt(count)));
      return L.divIcon({
        html: inner,
        className: "em-cluster em-c" + catIndex,
        iconSize: L.point(size, size)
      });
    };
  };

  /* Build category catIndex's layers inside group (a folium FeatureGroup). */
  EventMap.prototype.addCategory = function (group, catIndex) { this.later(this._addCategory, group, catIndex); };

  EventMap.prototype._addCategory = function (group, catIndex) {
    var self = this, d = this.d, bucket = this.byCategory[catIndex];
    var color = this.data.styles[catIndex].color;
    var icon = L.divIcon({ className: "em-point em-c" + catIndex, iconSize: L.point(12, 12) });
    var markers = bucket.points.map(function (i) {
      var p = d.p[i];
      var marker = L.marker([d.places.lat[p], d.places.lon[p]], { icon: icon, keyboard: false });
      marker.emIndex = i;
      return marker;
    });
    var cluster = L.markerClusterGroup({
      maxClusterRadius: 50,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      chunkedLoading: false,
      iconCreateFunction: this.clusterIcon(catIndex)
    });
    cluster.on("click", function (e) { self.openCard(e.layer.getLatLng(), e.layer.emIndex); });
    group.addLayer(cluster);

    var areas = [];
    Object.keys(bucket.areas).forEach(function (key) {
      var place = Number(key), shape, size, shapeIndex = d.places.shape ? d.places.shape[place] : -1;
      var style = {
        renderer: self.areaRenderer, color: color, weight: 1.2, opacity: 0.85, dashArray: "5 4",
        fillColor: color, fillOpacity: 0.1
      };
      if (shapeIndex >= 0) {
        size = self.data.shapes[shapeIndex][0];
        shape = L.polygon(decodePolygons(self.data.shapes[shapeIndex][1], self.data.shape_scale), style);
      } else {
        /* The same halo radii as the dashboard (payload.HALO_RADIUS_M through core.haloRadius). */
        var radius = core.haloRadius(d, d.places.prec[place]);
        size = Math.pow(radius / 111000, 2) * Math.PI;
        shape = L.circle([d.places.lat[place], d.places.lon[place]], L.extend({ radius: radius }, style));
      }
      var tip = el("span", null, d.places.name[place]);
      shape.bindTooltip(tip, { sticky: true, direction: "top" });
      shape.on("click", function (e) { self.openArea(e.latlng, catIndex, place); });
      shape.emLoc = place;
      shape.emTip = tip;
      shape.emSize = size;
      areas.push(shape);
    });
    /* Large areas first, so smaller ones are drawn on top and stay clickable. */
    areas.sort(function (a, b) { return b.emSize - a.emSize; });
    var areaGroup = L.layerGroup();
    group.addLayer(areaGroup);
    this.layers[catIndex] = { group: group, cluster: cluster, markers: markers, areas: areas, areaGroup: areaGroup };
  };

  EventMap.prototype._refreshCategory = function (catIndex) {
    var self = this, d = this.d, layer = this.layers[catIndex], bucket = this.byCategory[catIndex];
    var keep = layer.markers.filter(function (m) { return self.inRange(m.emIndex); });
    layer.cluster.clearLayers();
    layer.cluster.addLayers(keep);
    layer.areaGroup.clearLayers();
    layer.areas.forEach(function (shape) {
      var n = bucket.areas[shape.emLoc].filter(function (i) { return self.inRange(i); }).length;
      if (n > 0) {
        layer.areaGroup.addLayer(shape);
        shape.emTip.textContent = d.places.name[shape.emLoc] + " — " + core.plural(n, "event") +
          " (" + self.data.precision[d.places.prec[shape.emLoc]] + ")";
        shape.setStyle({ fillOpacity: areaOpacity(shape.emSize, n) });
      }
    });
    this.visible.byCategory[catIndex] = core.countEvents(d, this.mask, function (i) { return d.c[i] === catIndex; }).events;
  };

  EventMap.prototype.setRange = function (first, last) {
    this.range = [Math.min(first, last), Math.max(first, last)];
    this.refresh();
  };

  EventMap.prototype.setStatuses = function (statuses) {
    this.spec.statuses = statuses.slice();
    this.refresh();
  };

  EventMap.prototype.refresh = function () {
    var self = this;
    this._filter();
    Object.keys(this.layers).forEach(function (key) { self._refreshCategory(Number(key)); });
    this.visible.total = this.result.events;
    this.listeners.forEach(function (fn) { fn(self); });
  };

  EventMap.prototype.onChange = function (fn) {
    this.listeners.push(fn);
  };

  /* Called once every layer exists: counts, then the view. */
  EventMap.prototype.ready = function () {
    var self = this;
    this.later(this._ready).catch(function (err) { showError(self.map, err); });
  };

  EventMap.prototype._ready = function () {
    this.refresh();
    var b = this.data.bounds;
    if (b) this.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [30, 30], maxZoom: 7 });
    global.eventmapExport = this;
    /* The value is the time since navigation start (ms): the benchmark reads it. */
    document.documentElement.setAttribute("data-eventmap-ready", String(Math.round(performance.now())));
  };

  /* ------------------------------------------------------------------ controls */

  EventMap.prototype.dateControl = function (position) { this.later(this._dateControl, position); };

  EventMap.prototype._dateControl = function (position) {
    var self = this, span = this.data.span;
    var Control = L.Control.extend({
      onAdd: function () {
        var box = el("div", "em-panel em-dates leaflet-bar");
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        box.appendChild(el("div", "em-panel-title", "Dates"));
        if (span.first === null) {
          box.appendChild(el("div", "em-status", "No dated events."));
          return box;
        }
        var row = el("div", "em-date-row");
        var from = el("input"), to = el("input");
        [from, to].forEach(function (input, k) {
          input.type = "date";
          input.min = isoDay(span.first);
          input.max = isoDay(span.last);
          input.value = isoDay(k === 0 ? span.first : span.last);
          input.className = k === 0 ? "em-from" : "em-to";
          input.setAttribute("aria-label", k === 0 ? "From date" : "To date");
        });
        row.appendChild(from);
        row.appendChild(el("span", null, "–"));
        row.appendChild(to);
        box.appendChild(row);
        var sliders = el("div", "em-sliders");
        var lo = el("input"), hi = el("input");
        [lo, hi].forEach(function (input, k) {
          input.type = "range";
          input.min = span.first;
          input.max = span.last;
          input.step = 1;
          input.value = k === 0 ? span.first : span.last;
          input.className = k === 0 ? "em-slider-from" : "em-slider-to";
          input.setAttribute("aria-label", k === 0 ? "From" : "To");
          sliders.appendChild(input);
        });
        box.appendChild(sliders);
        var status = el("div", "em-status");
        var reset = el("button", "em-reset", "All dates");
        reset.type = "button";
        box.appendChild(status);
        box.appendChild(reset);

        var timer = null;
        function apply(first, last, immediate) {
          first = Math.max(span.first, Math.min(span.last, first));
          last = Math.max(span.first, Math.min(span.last, last));
          if (first > last) { var t = first; first = last; last = t; }
          from.value = isoDay(first); to.value = isoDay(last);
          lo.value = first; hi.value = last;
          clearTimeout(timer);
          if (immediate) self.setRange(first, last);
          else timer = setTimeout(function () { self.setRange(first, last); }, 120);
        }
        function fromInputs() {
          var a = dayOf(from.value), b = dayOf(to.value);
          apply(a === null ? span.first : a, b === null ? span.last : b, true);
        }
        from.addEventListener("change", fromInputs);
        to.addEventListener("change", fromInputs);
        lo.addEventListener("input", function () { apply(Number(lo.value), Number(hi.value), false); });
        hi.addEventListener("input", function () { apply(Number(lo.value), Number(hi.value), false); });
        reset.addEventListener("click", function () { apply(span.first, span.last, true); });
        self.onChange(function (em) {
          status.textContent = "Showing " + fmt(em.visible.total) + " of " + fmt(em.d.nEvents) + " mapped events";
        });
        return box;
      }
    });
    new Control({ position: position || "bottomleft" }).addTo(this.map);
  };

  EventMap.prototype.legend = function (position) { this.later(this._legend, position); };

  EventMap.prototype._legend = function (position) {
    var self = this, d = { categories: this.data.styles };
    var Control = L.Control.extend({
      onAdd: function () {
        var box = el("div", "em-panel em-legend");
        L.DomEvent.disableClickPropagation(box);
        box.appendChild(el("div", "em-panel-title", "Events"));
        var counts = [];
        d.categories.forEach(function (cat, k) {
          var row = el("div", "em-legend-row");
          row.appendChild(el("span", "em-swatch em-c" + k));
          row.appendChild(el("span", "em-legend-label", cat.label));
          var count = el("span", "em-legend-count", fmt(cat.count));
          counts.push(count);
          row.appendChild(count);
          box.appendChild(row);
        });
        var keyBox = el("div", "em-legend-key");
        [["em-key-point", "one event at a town or site"],
         ["em-key-cluster", "several events (click to zoom)"],
         ["em-key-area", "event placed only to a province, country, region or sea: its area"],
         ["em-key-halo", "same, area shape unknown: a ring sized by precision"]].forEach(function (item) {
          var row = el("div", "em-legend-row");
          row.appendChild(el("span", "em-key " + item[0]));
          row.appendChild(el("span", "em-legend-label", item[1]));
          keyBox.appendChild(row);
        });
        box.appendChild(keyBox);
        self.onChange(function (em) {
          counts.forEach(function (node, k) {
            var shown = em.visible.byCategory[k] || 0;
            node.textContent = shown === d.categories[k].count ? fmt(shown) : fmt(shown) + " / " + fmt(d.categories[k].count);
          });
        });
        return box;
      }
    });
    new Control({ position: position || "bottomright" }).addTo(this.map);
  };

  /* Statuses: reported and planned events are shown; the others behind these boxes (as in the dashboard). */
  EventMap.prototype.statusControl = function (position) { this.later(this._statusControl, position); };

  EventMap.prototype._statusControl = function (position) {
    var self = this, d = this.d;
    var counts = d.statuses.map(function (_, k) {
      return core.countEvents(d, new Uint8Array(d.n).fill(1), function (i) { return d.st[i] === k; }).events;
    });
    var Control = L.Control.extend({
      onAdd: function () {
        var box = el("div", "em-panel em-statuses leaflet-bar");
        L.DomEvent.disableClickPropagation(box);
        box.appendChild(el("div", "em-panel-title", "Status"));
        var inputs = [];
        d.statuses.forEach(function (status, k) {
          if (!counts[k] && d.mappedStatuses.indexOf(status) < 0) return;
          var row = el("label", "em-status-row");
          var input = el("input");
          input.type = "checkbox";
          input.value = status;
          input.checked = self.spec.statuses.indexOf(status) >= 0;
          input.addEventListener("change", function () {
            self.setStatuses(inputs.filter(function (x) { return x.checked; }).map(function (x) { return x.value; }));
          });
          inputs.push(input);
          row.appendChild(input);
          row.appendChild(el("span", null, " " + status + " (" + fmt(counts[k]) + ")"));
          box.appendChild(row);
        });
        return box;
      }
    });
    new Control({ position: position || "topleft" }).addTo(this.map);
  };

  /* ------------------------------------------------------------------ offline basemap */

  /* The offline basemap: a layer group, filled once its block is decoded. */
  function basemap(map, blockId) {
    var group = L.layerGroup();
    readJson(blockId).then(function (base) { drawBasemap(map, group, base); })
      .catch(function (err) { showError(map, err); });
    return group;
  }

  function drawBasemap(map, group, base) {
    var pane = map.createPane("em-basemap");
    pane.style.zIndex = 250;
    var labels = map.createPane("em-labels");
    labels.style.zIndex = 350;
    labels.style.pointerEvents = "none";
    var renderer = L.canvas({ pane: "em-basemap", padding: 0.5 });
    base.countries.forEach(function (c) {
      L.polygon(decodePolygons(c[3], base.scale), {
        renderer: renderer, pane: "em-basemap", interactive: false,
        color: "#a9b4be", weight: 0.7, fillColor: "#f3f1ec", fillOpacity: 1
      }).addTo(group);
      var label = el("span", null, c[0]);
      L.marker([c[2][1], c[2][0]], {
        pane: "em-labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "em-country-label" + (c[1] ? " em-big" : ""), html: label, iconSize: null })
      }).addTo(group);
    });
    var container = map.getContainer();
    container.classList.add("em-has-basemap");
    function zoomClass() {
      var z = map.getZoom();
      container.classList.toggle("em-labels-big", z >= 2);
      container.classList.toggle("em-labels-all", z >= 4);
    }
    map.on("zoomend", zoomClass);
    zoomClass();
  }

  global.eventmap = {
    create: function (map, blockId) { return new EventMap(map, blockId); },
    basemap: basemap,
    decodePolygons: decodePolygons
  };
})(window);
