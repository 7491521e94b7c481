// Busbar live plant: one card per machine, updated in place from the /ws live stream.
// Stable hooks for browser tests: #connection[data-state], .machine[data-device],
// .metric[data-metric] with .value, .unit and .age cells.
(function () {
  'use strict';

  var UNITS = { temperature: '°C', power: 'kW' }; // shown when a reading carries no unit
  var MIN_BACKOFF_MS = 1000;
  var MAX_BACKOFF_MS = 30000;

  var machines = document.getElementById('machines');
  var empty = document.getElementById('empty');
  var connection = document.getElementById('connection');
  var message = document.getElementById('message');
  var cards = new Map(); // device id -> { card, body, rows: Map(metric -> row) }
  var backoff = MIN_BACKOFF_MS;

  function setConnection(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  function showMessage(text) {
    message.textContent = text || '';
    message.hidden = !text;
  }

  function formatValue(value) {
    if (typeof value === 'number') {
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    }
    return String(value);
  }

  function formatAge(ts) {
    var s = Math.max(0, Math.round((Date.now() - ts) / 1000));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h';
  }

  function card(device) {
    var entry = cards.get(device);
    if (entry) return entry;
    var section = document.createElement('section');
    section.className = 'machine';
    section.dataset.device = device;
    var title = document.createElement('h2');
    title.textContent = device;
    var table = document.createElement('table');
    var body = document.createElement('tbody');
    table.appendChild(body);
    section.appendChild(title);
    section.appendChild(table);
    // Keep cards sorted by device id so the page does not jump around.
    var next = null;
    cards.forEach(function (other, id) {
      if (id > device && (next === null || id < next.dataset.device)) next = other.card;
    });
    machines.insertBefore(section, next);
    empty.hidden = true;
    entry = { card: section, body: body, rows: new Map() };
    cards.set(device, entry);
    return entry;
  }

  function row(entry, metric) {
    var r = entry.rows.get(metric);
    if (r) return r;
    var tr = document.createElement('tr');
    tr.className = 'metric';
    tr.dataset.metric = metric;
    var name = document.createElement('th');
    name.textContent = metric;
    tr.appendChild(name);
    ['value', 'unit', 'age'].forEach(function (cls) {
      var td = document.createElement('td');
      td.className = cls;
      tr.appendChild(td);
    });
    var next = null;
    entry.rows.forEach(function (other, m) {
      if (m > metric && (next === null || m < next.dataset.metric)) next = other.tr;
    });
    entry.body.insertBefore(tr, next);
    r = { tr: tr, ts: 0 };
    entry.rows.set(metric, r);
    return r;
  }

  // reading: {device, metric, ts, value, quality, unit}
  function show(reading) {
    var r = row(card(reading.device), reading.metric);
    if (reading.ts < r.ts) return; // an older value arrived late
    r.ts = reading.ts;
    var tr = r.tr;
    tr.querySelector('.value').textContent = formatValue(reading.value);
    tr.querySelector('.unit').textContent = reading.unit || UNITS[reading.metric] || '';
    tr.querySelector('.age').textContent = formatAge(reading.ts);
    tr.dataset.ts = String(reading.ts);
    tr.className = 'metric quality-' + (reading.quality || 'GOOD');
    // Restart the flash animation.
    void tr.offsetWidth;
    tr.classList.add('updated');
  }

  // /api/v1/state: {deviceId: {metric: {value, ts, quality, unit}}}
  function loadState() {
    return fetch('/api/v1/state', { headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body.detail || body.title || res.status);
          return body;
        });
      })
      .then(function (state) {
        Object.keys(state).forEach(function (device) {
          var metrics = state[device] || {};
          Object.keys(metrics).forEach(function (metric) {
            var m = metrics[metric];
            show({ device: device, metric: metric, ts: m.ts, value: m.value, quality: m.quality, unit: m.unit });
          });
        });
        showMessage('');
      })
      .catch(function (e) {
        showMessage('Latest state unavailable (' + e.message + '); showing live readings only.');
      });
  }

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var ws = new WebSocket(scheme + '//' + location.host + '/ws' + location.search);
    setConnection('connecting', 'connecting…');
    ws.onopen = function () {
      backoff = MIN_BACKOFF_MS;
      setConnection('open', 'live');
    };
    ws.onmessage = function (e) {
      var frame;
      try {
        frame = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      if (frame.type === 'events') frame.events.forEach(show);
    };
    ws.onclose = function () {
      var wait = backoff;
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      setConnection('closed', 'disconnected, retrying in ' + Math.round(wait / 1000) + ' s');
      setTimeout(function () {
        loadState().then(connect); // refill what was missed while away
      }, wait);
    };
  }

  setInterval(function () {
    cards.forEach(function (entry) {
      entry.rows.forEach(function (r) {
        if (r.ts) r.tr.querySelector('.age').textContent = formatAge(r.ts);
      });
    });
  }, 1000);

  loadState().then(connect);
})();
