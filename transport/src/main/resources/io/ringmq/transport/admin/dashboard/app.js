/*
 * RingMQ dashboard: reads the admin API under /api/v1/ with the token the operator logs in with (kept in
 * sessionStorage for this tab only, sent as a bearer token; a 401 brings back the login form).
 *
 * Views, chosen by the URL's hash: #/overview (figures and live charts, polled every 2 s from /api/v1/metrics and
 * /api/v1/broker), #/clients (search, pages, disconnect), #/clients/ID (one client's connection, session,
 * subscriptions and drops), #/retained (list by filter, view one, delete).
 *
 * Everything the broker sends is shown through textContent, never parsed as HTML: client ids and topics come from
 * clients.
 */
(function () {
    'use strict';

    const TOKEN_KEY = 'ringmq.admin.token';
    const INTERVAL_MS = 2000;
    const REQUEST_TIMEOUT_MS = 10000;
    const CHART_WINDOW_MS = 5 * 60 * 1000;
    const RETAINED_PAGE = 50;
    const STATUS_MS = 10000;
    const PROTOCOLS = {3: '3.1', 4: '3.1.1', 5: '5.0'};
    const DROP_REASONS = {qos0: 'QoS 0', queueFull: 'queue full', tooLarge: 'too large', expired: 'expired'};

    const $ = id => document.getElementById(id);
    const integer = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0});
    const decimal = new Intl.NumberFormat('en-US', {maximumFractionDigits: 1});

    /** What the page knows; exposed as window.ringmqDashboard for the curious and for tests. */
    const state = {
        ticks: 0,
        errors: [],
        timer: null,
        polling: false,
        previous: null,
        charts: null,
        clients: null,
        retained: null,
        detailId: null,
        statusTimer: null
    };
    window.ringmqDashboard = state;
    window.addEventListener('error', event => state.errors.push(String(event.message)));
    window.addEventListener('unhandledrejection', event => state.errors.push(String(event.reason)));

    /** The API refused the token: the login form is back, the caller just stops. */
    class Unauthorized extends Error {
    }

    // ------------------------------------------------------------------ API

    async function api(method, path, body) {
        const token = sessionStorage.getItem(TOKEN_KEY);
        if (!token) {
            showLogin(null);
            throw new Unauthorized('not logged in');
        }
        const headers = {Authorization: 'Bearer ' + token, Accept: 'application/json'};
        if (undefined !== body) {
            headers['Content-Type'] = 'application/json';
        }
        const controller = new AbortController();
        const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
        let response;
        let text;
        try {
            response = await fetch('/api/v1/' + path, {
                method: method,
                headers: headers,
                body: undefined === body ? undefined : JSON.stringify(body),
                cache: 'no-store',
                signal: controller.signal
            });
            text = await response.text();
        } catch (ex) {
            throw new Error(controller.signal.aborted ? 'no answer within ' + REQUEST_TIMEOUT_MS / 1000 + ' s' :
                'the broker cannot be reached (' + ex.message + ')');
        } finally {
            clearTimeout(timeout);
        }
        if (401 === response.status) {
            logout('The broker refused the token: log in again.');
            throw new Unauthorized('token refused');
        }
        let data = null;
        try {
            data = text ? JSON.parse(text) : null;
        } catch (ex) {
            throw new Error('HTTP ' + response.status + ': the answer is not JSON');
        }
        if (!response.ok) {
            throw new Error(data && data.error ? data.error : 'HTTP ' + response.status);
        }
        return data;
    }

    function encode(value) {
        return encodeURIComponent(value);
    }

    /** Run an action, showing its failure in the status line (a refused token already shows the login form). */
    async function attempt(what, action) {
        try {
            return await action();
        } catch (ex) {
            if (!(ex instanceof Unauthorized)) {
                showStatus(what + ': ' + ex.message, true);
            }
            return undefined;
        }
    }

    // ------------------------------------------------------------------ login

    function showLogin(message) {
        stopPolling();
        $('nav').hidden = true;
        document.querySelectorAll('.view').forEach(view => {
            view.hidden = true;
        });
        $('login').hidden = false;
        $('login-error').hidden = !message;
        $('login-error').textContent = message || '';
        $('token').focus();
    }

    function logout(message) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin(message);
    }

    async function login(event) {
        event.preventDefault();
        const token = $('token').value.trim();
        if (!token) {
            return;
        }
        sessionStorage.setItem(TOKEN_KEY, token);
        try {
            await api('GET', 'broker');
        } catch (ex) {
            if (!(ex instanceof Unauthorized)) {
                sessionStorage.removeItem(TOKEN_KEY);
                showLogin('Cannot log in: ' + ex.message);
            }
            return;
        }
        $('token').value = '';
        enter();
    }

    function enter() {
        $('login').hidden = true;
        $('nav').hidden = false;
        hideStatus();
        startPolling();
        route();
    }

    // ------------------------------------------------------------------ status line

    /** Show a message; one that reports success goes after STATUS_MS, an error stays until the next message. */
    function showStatus(message, error) {
        const status = $('status');
        status.textContent = message;
        status.className = error ? 'error' : 'ok';
        status.hidden = false;
        clearTimeout(state.statusTimer);
        if (!error) {
            state.statusTimer = setTimeout(hideStatus, STATUS_MS);
        }
    }

    function hideStatus() {
        $('status').hidden = true;
    }

    function confirmAction(message) {
        const dialog = $('confirm-dialog');
        $('confirm-message').textContent = message;
        dialog.returnValue = '';
        return new Promise(resolve => {
            dialog.addEventListener('close', () => resolve('yes' === dialog.returnValue), {once: true});
            dialog.showModal();
        });
    }

    // ------------------------------------------------------------------ views

    function route() {
        if (!sessionStorage.getItem(TOKEN_KEY)) {
            showLogin(null);
            return;
        }
        const hash = location.hash || '#/overview';
        const client = /^#\/clients\/(.+)$/.exec(hash);
        const name = client ? 'client' : hash.replace(/^#\//, '');
        const view = $('view-' + name) ? name : 'overview';
        document.querySelectorAll('.view').forEach(section => {
            section.hidden = section.id !== 'view-' + view;
        });
        document.querySelectorAll('#nav a').forEach(link => {
            const current = link.id === 'nav-' + (view === 'client' ? 'clients' : view);
            if (current) {
                link.setAttribute('aria-current', 'page');
            } else {
                link.removeAttribute('aria-current');
            }
        });
        if ('overview' === view) {
            drawCharts();
        } else if ('clients' === view) {
            loadClients();
        } else if ('client' === view) {
            loadClient(decodeURIComponent(client[1]));
        } else if ('retained' === view) {
            loadRetained();
        }
    }

    // ------------------------------------------------------------------ overview

    function number(metrics, name) {
        const value = metrics[name];
        return 'number' === typeof value ? value : null;
    }

    function bytes(value) {
        const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
        let scaled = value;
        let unit = 0;
        while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
            scaled /= 1024;
            unit++;
        }
        return decimal.format(scaled) + ' ' + units[unit];
    }

    function duration(seconds) {
        const days = Math.floor(seconds / 86400);
        const hours = Math.floor(seconds % 86400 / 3600);
        const minutes = Math.floor(seconds % 3600 / 60);
        const parts = [];
        if (days) {
            parts.push(days + 'd');
        }
        if (days || hours) {
            parts.push(hours + 'h');
        }
        if (days || hours || minutes) {
            parts.push(minutes + 'm');
        }
        parts.push(seconds % 60 + 's');
        return parts.join(' ');
    }

    function figure(id, value, format) {
        const element = $(id);
        element.dataset.value = null === value || undefined === value ? '' : String(value);
        element.textContent = null === value || undefined === value ? '–' : (format || String)(value);
    }

    function makeCharts() {
        const options = (format, binary) => ({format: format, windowMs: CHART_WINDOW_MS, binary: binary});
        const rate = value => decimal.format(value);
        return {
            connections: new LineChart($('chart-connections'), $('legend-connections'),
                options(value => integer.format(value))),
            rates: new LineChart($('chart-rates'), $('legend-rates'), options(rate)),
            drops: new LineChart($('chart-drops'), $('legend-drops'), options(rate)),
            journal: new LineChart($('chart-journal'), $('legend-journal'), options(bytes, true)),
            latency: new LineChart($('chart-latency'), $('legend-latency'), options(value => decimal.format(value)))
        };
    }

    function drawCharts() {
        if (state.charts) {
            Object.values(state.charts).forEach(chart => chart.draw());
        }
    }

    /** Per-second rate of a counter between two polls, or null (first poll, or a counter that went back). */
    function perSecond(now, before, seconds) {
        if (null === now || null === before || undefined === before || now < before || seconds <= 0) {
            return null;
        }
        return (now - before) / seconds;
    }

    /** Mean of a histogram ({count, sum} in seconds) between two polls, in ms; null when nothing was recorded. */
    function meanMs(now, before) {
        if (!now || !before || undefined === before.count || now.count <= before.count) {
            return null;
        }
        return (now.sum - before.sum) / (now.count - before.count) * 1000;
    }

    function showMetrics(metrics, broker, timeMs) {
        figure('figure-clients', number(metrics, 'ringmq_clients_connected'), v => integer.format(v));
        figure('figure-sessions', number(metrics, 'ringmq_sessions'), v => integer.format(v));
        figure('figure-subscriptions', number(metrics, 'ringmq_subscriptions'), v => integer.format(v));
        figure('figure-retained', number(metrics, 'ringmq_retained_messages'), v => integer.format(v));
        figure('figure-uptime', broker.uptimeSeconds, duration);
        figure('figure-version', broker.version);

        const counters = {
            received: number(metrics, 'ringmq_messages_received'),
            sent: number(metrics, 'ringmq_messages_sent'),
            dropped: Object.assign({}, metrics.ringmq_messages_dropped || {}),
            force: Object.assign({}, metrics.ringmq_journal_force_seconds || {}),
            handoff: Object.assign({}, metrics.ringmq_ring_handoff_seconds || {})
        };
        const previous = state.previous;
        const seconds = previous ? (timeMs - previous.timeMs) / 1000 : 0;
        const before = previous ? previous.counters : {dropped: {}};
        state.charts.connections.add(timeMs, {connected: number(metrics, 'ringmq_clients_connected')});
        state.charts.rates.add(timeMs, {
            'in': perSecond(counters.received, before.received, seconds),
            out: perSecond(counters.sent, before.sent, seconds)
        });
        const drops = {};
        for (const reason of Object.keys(counters.dropped)) {
            drops[reason] = perSecond(counters.dropped[reason], before.dropped[reason], seconds);
        }
        state.charts.drops.add(timeMs, drops);
        state.charts.journal.add(timeMs, {
            used: number(metrics, 'ringmq_journal_used_bytes'),
            'on disk': number(metrics, 'ringmq_journal_disk_bytes')
        });
        state.charts.latency.add(timeMs, {
            'journal force': meanMs(counters.force, before.force),
            'ring hand-off': meanMs(counters.handoff, before.handoff)
        });
        state.previous = {timeMs: timeMs, counters: counters};
    }

    async function poll() {
        if (state.polling) {
            return;
        }
        state.polling = true;
        try {
            const [metrics, broker] = await Promise.all([api('GET', 'metrics'), api('GET', 'broker')]);
            const timeMs = Date.now();
            showMetrics(metrics, broker, timeMs);
            state.ticks++;
            $('updated').textContent = 'updated ' + new Date(timeMs).toLocaleTimeString();
            document.body.dataset.ticks = String(state.ticks);
            if ($('status').classList.contains('stale')) {
                hideStatus();
            }
        } catch (ex) {
            if (!(ex instanceof Unauthorized)) {
                showStatus('Cannot read the metrics: ' + ex.message, true);
                $('status').classList.add('stale');
            }
        } finally {
            state.polling = false;
        }
    }

    function startPolling() {
        if (!state.charts) {
            state.charts = makeCharts();
        }
        if (null === state.timer) {
            state.timer = setInterval(poll, INTERVAL_MS);
            poll();
        }
    }

    function stopPolling() {
        if (null !== state.timer) {
            clearInterval(state.timer);
            state.timer = null;
        }
    }

    // ------------------------------------------------------------------ paged listings

    /**
     * A paged listing in a table body (id PREFIX-rows), with its First and Next buttons and its total made in
     * PREFIX-pager (ids PREFIX-first, PREFIX-next, PREFIX-total): keeps the start ('after') of each page up to the
     * one shown, and drops an answer that a later request overtook (a search typed while the previous page loads).
     */
    class Pager {
        constructor(prefix, load) {
            this.load = load;
            this.starts = [null];
            this.next = null;
            this.requests = 0;
            this.rows = $(prefix + '-rows');
            this.firstButton = button('First page', '', () => this.reset());
            this.firstButton.id = prefix + '-first';
            this.nextButton = button('Next page', '', () => {
                if (this.next) {
                    this.starts.push(this.next);
                    this.load();
                }
            });
            this.nextButton.id = prefix + '-next';
            this.total = document.createElement('span');
            this.total.id = prefix + '-total';
            $(prefix + '-pager').append(this.firstButton, this.nextButton, this.total);
        }

        /** Back to the first page, and load it. */
        reset() {
            this.starts = [null];
            this.load();
        }

        /** @return the number of the page shown, from 1. */
        number() {
            return this.starts.length;
        }

        /**
         * Get the current page of path with query and show it in the table, a row per item made by rowOf;
         * answer null when it failed (shown) or a later request overtook it.
         */
        async fetch(what, path, query, rowOf) {
            const after = this.starts[this.starts.length - 1];
            if (after) {
                query.set('after', after);
            }
            const request = ++this.requests;
            const page = await attempt(what, () => api('GET', path + '?' + query));
            if (!page || request !== this.requests) {
                return null;
            }
            this.next = page.next;
            this.rows.replaceChildren(...page.items.map(rowOf));
            this.nextButton.disabled = !page.next;
            this.firstButton.disabled = this.starts.length <= 1;
            return page;
        }
    }

    /** A row saying the table is empty, across its columns. */
    function emptyRow(body, text, columns) {
        const row = document.createElement('tr');
        cell(row, text).colSpan = columns;
        body.append(row);
    }

    // ------------------------------------------------------------------ clients

    function cell(row, text) {
        const td = document.createElement('td');
        td.textContent = null === text || undefined === text ? '' : String(text);
        row.append(td);
        return td;
    }

    function button(text, className, action) {
        const element = document.createElement('button');
        element.type = 'button';
        element.textContent = text;
        element.className = className;
        element.addEventListener('click', action);
        return element;
    }

    function clientLink(clientId) {
        const link = document.createElement('a');
        link.href = '#/clients/' + encode(clientId);
        link.textContent = clientId;
        return link;
    }

    function dropTotal(drops) {
        return drops ? Object.values(drops).reduce((sum, value) => sum + value, 0) : 0;
    }

    async function loadClients() {
        const query = new URLSearchParams({limit: $('clients-limit').value});
        const search = $('clients-search').value.trim();
        if (search) {
            query.set('search', search);
        }
        const page = await state.clients.fetch('Cannot list the clients', 'clients', query, clientRow);
        if (!page) {
            return;
        }
        if (0 === page.items.length) {
            emptyRow(state.clients.rows, search ? 'No connected client matches "' + search + '".' :
                'No client is connected.', 10);
        }
        const total = state.clients.total;
        total.dataset.total = String(page.total);
        total.textContent = integer.format(page.total) + (search ? ' matching' : '') + ' connected client' +
            (1 === page.total ? '' : 's') + ', page ' + state.clients.number();
    }

    function clientRow(client) {
        const row = document.createElement('tr');
        row.dataset.clientId = client.clientId;
        cell(row, '').append(clientLink(client.clientId));
        cell(row, client.username);
        cell(row, client.address);
        cell(row, PROTOCOLS[client.protocolVersion] || client.protocolVersion);
        cell(row, client.keepAliveSeconds ? client.keepAliveSeconds + ' s' : 'none');
        cell(row, new Date(client.connectedAtMs).toLocaleString());
        cell(row, integer.format(client.inflight)).className = 'number';
        cell(row, integer.format(client.queued)).className = 'number';
        cell(row, integer.format(dropTotal(client.drops))).className = 'number';
        const disconnect = button('Disconnect', 'disconnect danger', () => disconnectClient(client.clientId));
        disconnect.dataset.clientId = client.clientId;
        disconnect.setAttribute('aria-label', 'Disconnect ' + client.clientId);
        cell(row, '').append(disconnect);
        return row;
    }

    async function disconnectClient(clientId) {
        if (!await confirmAction('Disconnect client "' + clientId + '"? Its session stays as its expiry says.')) {
            return;
        }
        const done = await attempt('Cannot disconnect ' + clientId,
            () => api('POST', 'clients/' + encode(clientId) + '/disconnect'));
        if (done) {
            showStatus('Disconnected client ' + clientId + '.', false);
            if (!$('view-clients').hidden) {
                loadClients();
            } else if (!$('view-client').hidden) {
                loadClient(clientId);
            }
        }
    }

    function searchClients(event) {
        event.preventDefault();
        state.clients.reset();
    }

    // ------------------------------------------------------------------ client detail

    function details(list, entries) {
        list.replaceChildren();
        for (const [term, value] of entries) {
            const dt = document.createElement('dt');
            dt.textContent = term;
            const dd = document.createElement('dd');
            dd.textContent = null === value || undefined === value ? '–' : String(value);
            list.append(dt, dd);
        }
    }

    function expiry(seconds) {
        return 4294967295 === seconds ? 'never' : duration(seconds);
    }

    async function loadClient(clientId) {
        state.detailId = clientId;
        $('client-title').textContent = 'Client ' + clientId;
        const detail = await attempt('Cannot read client ' + clientId,
            () => api('GET', 'clients/' + encode(clientId)));
        if (!detail || state.detailId !== clientId) {
            return;
        }
        const client = detail.client;
        const session = detail.session;
        details($('client-connection'), client ? [
            ['Connected since', new Date(client.connectedAtMs).toLocaleString()],
            ['Address', client.address],
            ['Listener', client.listener],
            ['Username', client.username],
            ['MQTT', PROTOCOLS[client.protocolVersion] || client.protocolVersion],
            ['Keep-alive', client.keepAliveSeconds ? client.keepAliveSeconds + ' s' : 'none'],
            ['Will topic', detail.willTopic]
        ] : [['Connected', 'no (offline session)']]);
        $('client-disconnect').hidden = !client;
        details($('client-session'), [
            ['Connected', session.connected ? 'yes' : 'no'],
            ['Persistent', session.persistent ? 'yes' : 'no'],
            ['Expiry interval', expiry(session.expiryIntervalSeconds)],
            ['Expires in', session.expiresInSeconds < 0 ? '–' : duration(session.expiresInSeconds)],
            ['Subscriptions', integer.format(session.subscriptions)],
            ['Inflight', integer.format(session.inflight)],
            ['Queued', integer.format(session.queued) + ' (' + bytes(session.queuedBytes) + ')']
        ]);
        const drops = $('client-drops').tBodies[0];
        drops.replaceChildren();
        for (const [key, label] of Object.entries(DROP_REASONS)) {
            const row = document.createElement('tr');
            row.dataset.reason = key;
            cell(row, label);
            cell(row, integer.format(session.drops[key] || 0)).className = 'number';
            drops.append(row);
        }
        const subscriptions = $('client-subscriptions').tBodies[0];
        subscriptions.replaceChildren();
        for (const subscription of detail.subscriptions) {
            const row = document.createElement('tr');
            row.dataset.filter = subscription.filter;
            cell(row, subscription.filter);
            cell(row, subscription.qos);
            cell(row, subscription.shared ? 'yes' : 'no');
            cell(row, subscription.noLocal ? 'yes' : 'no');
            cell(row, subscription.retainAsPublished ? 'yes' : 'no');
            cell(row, subscription.retainHandling);
            cell(row, subscription.subscriptionId || '–');
            cell(row, '').append(button('Unsubscribe', 'unsubscribe danger',
                () => unsubscribe(clientId, subscription.filter)));
            subscriptions.append(row);
        }
        if (0 === detail.subscriptions.length) {
            emptyRow(subscriptions, 'No subscriptions.', 8);
        }
    }

    async function unsubscribe(clientId, filter) {
        if (!await confirmAction('Remove the subscription "' + filter + '" of client "' + clientId + '"?')) {
            return;
        }
        const done = await attempt('Cannot unsubscribe', () => api('DELETE', 'clients/' + encode(clientId) +
            '/subscriptions?' + new URLSearchParams({filter: filter})));
        if (done) {
            showStatus('Removed the subscription ' + filter + ' of ' + clientId + '.', false);
            loadClient(clientId);
        }
    }

    // ------------------------------------------------------------------ retained

    async function loadRetained() {
        const filter = $('retained-filter').value.trim() || '#';
        const query = new URLSearchParams({filter: filter, limit: String(RETAINED_PAGE)});
        const page = await state.retained.fetch('Cannot list the retained messages', 'retained', query,
            retainedRow);
        if (!page) {
            return;
        }
        if (0 === page.items.length) {
            emptyRow(state.retained.rows, 'No retained message matches ' + filter + '.', 5);
        }
        state.retained.total.textContent = integer.format(page.total) + ' retained message' +
            (1 === page.total ? '' : 's') + ' match, page ' + state.retained.number();
    }

    function retainedRow(message) {
        const row = document.createElement('tr');
        row.dataset.topic = message.topic;
        const view = button(message.topic, 'link view-retained', () => showRetained(message.topic));
        view.setAttribute('aria-label', 'Show the retained message of ' + message.topic);
        cell(row, '').append(view);
        cell(row, message.qos);
        cell(row, integer.format(message.payloadLength)).className = 'number';
        cell(row, message.expiresInSeconds < 0 ? 'never' : duration(message.expiresInSeconds));
        const remove = button('Delete', 'delete-retained danger', () => deleteRetained(message.topic));
        remove.setAttribute('aria-label', 'Delete the retained message of ' + message.topic);
        cell(row, '').append(remove);
        return row;
    }

    async function showRetained(topic) {
        const message = await attempt('Cannot read the retained message of ' + topic,
            () => api('GET', 'retained/' + encode(topic)));
        if (!message) {
            return;
        }
        $('retained-message-topic').textContent = topic;
        details($('retained-message-details'), [
            ['QoS', message.qos],
            ['Payload', integer.format(message.payloadLength) + ' bytes' +
                (undefined === message.payloadText ? ', binary (shown as base64)' : ', UTF-8 text')],
            ['Expires in', message.expiresInSeconds < 0 ? 'never' : duration(message.expiresInSeconds)]
        ]);
        $('retained-message-payload').textContent = undefined === message.payloadText ? message.payload || '' :
            message.payloadText;
        const article = $('retained-message');
        article.dataset.topic = topic;
        article.hidden = false;
    }

    async function deleteRetained(topic) {
        if (!await confirmAction('Delete the retained message of "' + topic + '"?')) {
            return;
        }
        const done = await attempt('Cannot delete the retained message of ' + topic,
            () => api('DELETE', 'retained/' + encode(topic)));
        if (done) {
            showStatus('Deleted the retained message of ' + topic + '.', false);
            if ($('retained-message').dataset.topic === topic) {
                $('retained-message').hidden = true;
            }
            loadRetained();
        }
    }

    function listRetained(event) {
        event.preventDefault();
        $('retained-message').hidden = true;
        state.retained.reset();
    }

    // ------------------------------------------------------------------ start

    function init() {
        $('login-form').addEventListener('submit', login);
        $('logout').addEventListener('click', () => logout(null));
        $('clients-form').addEventListener('submit', searchClients);
        $('clients-limit').addEventListener('change', searchClients);
        state.clients = new Pager('clients', loadClients);
        state.retained = new Pager('retained', loadRetained);
        $('client-disconnect').addEventListener('click', () => disconnectClient(state.detailId));
        $('retained-form').addEventListener('submit', listRetained);
        window.addEventListener('hashchange', route);
        window.addEventListener('resize', drawCharts);
        if (sessionStorage.getItem(TOKEN_KEY)) {
            enter();
        } else {
            showLogin(null);
        }
    }

    init();
})();
