/*
 * RingMQ dashboard: a small line chart on a canvas, without dependencies.
 *
 *   const chart = new LineChart(canvas, legendList, {format: v => v.toFixed(1), windowMs: 300000});
 *   chart.add(Date.now(), {in: 12.5, out: 40});   // series appear as they first come, coloured in order
 *
 * The x axis is a sliding time window ending at the newest point, as wide as the points kept (up to windowMs); the
 * y axis starts at 0 (every figure the dashboard draws is a count, a rate or a size) and ends at a round value
 * above the largest point. A missing value (null) leaves a gap. The legend (a <ul>) shows each series' newest
 * value, and the canvas' aria-label repeats it in words for screen readers.
 */
(function (global) {
    'use strict';

    const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
    const PADDING = {top: 10, right: 12, bottom: 22, left: 58};
    const Y_TICKS = 4;
    const MIN_SPAN_MS = 10000;

    /**
     * A round step (1, 2 or 5 times a power of ten) that cuts range into about ticks parts; with binary, a round
     * number of the largest power of 1024 below the range (KiB, MiB...), so that byte axes read 16 MiB, not 16.8.
     */
    function niceStep(range, ticks, binary) {
        if (binary && range >= 1024) {
            const scale = Math.pow(1024, Math.floor(Math.log(range) / Math.log(1024)));
            return niceStep(range / scale, ticks, false) * scale;
        }
        const raw = range / ticks;
        const power = Math.pow(10, Math.floor(Math.log10(raw)));
        const unit = raw / power;
        return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
    }

    function clock(timeMs) {
        return new Date(timeMs).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
    }

    class LineChart {
        /**
         * @param canvas  the <canvas> to draw on; its CSS size decides the chart's size.
         * @param legend  a <ul> for the legend, or null.
         * @param options format (value to text), windowMs (width of the time axis), maxPoints (points kept),
         *                binary (steps of the y axis in powers of 1024, for bytes).
         */
        constructor(canvas, legend, options) {
            const settings = options || {};
            this.canvas = canvas;
            this.legend = legend;
            this.format = settings.format || (v => String(v));
            this.windowMs = settings.windowMs || 300000;
            this.maxPoints = settings.maxPoints || 300;
            this.binary = !!settings.binary;
            this.title = canvas.getAttribute('aria-label') || '';
            this.times = [];
            /** Series name to {color, values}; values line up with times. */
            this.series = new Map();
        }

        /**
         * Add one point per series at timeMs and redraw.
         *
         * @param timeMs the point's time, epoch milliseconds.
         * @param values series name to number (null or absent for a gap).
         */
        add(timeMs, values) {
            this.times.push(timeMs);
            for (const name of Object.keys(values)) {
                if (!this.series.has(name)) {
                    const color = PALETTE[this.series.size % PALETTE.length];
                    this.series.set(name, {color: color, values: new Array(this.times.length - 1).fill(null)});
                }
            }
            for (const [name, line] of this.series) {
                const value = values[name];
                line.values.push(typeof value === 'number' && Number.isFinite(value) ? value : null);
            }
            const cutoff = timeMs - this.windowMs;
            while (this.times.length > this.maxPoints || (this.times.length > 1 && this.times[0] < cutoff)) {
                this.times.shift();
                for (const line of this.series.values()) {
                    line.values.shift();
                }
            }
            this.updateLegend();
            this.draw();
        }

        /** @return the newest value of a series, or null. */
        latest(name) {
            const line = this.series.get(name);
            return line && line.values.length ? line.values[line.values.length - 1] : null;
        }

        updateLegend() {
            const parts = [];
            if (this.legend) {
                this.legend.replaceChildren();
            }
            for (const [name, line] of this.series) {
                const latest = this.latest(name);
                const text = null === latest ? '–' : this.format(latest);
                parts.push(name + ' ' + text);
                if (this.legend) {
                    const item = document.createElement('li');
                    item.dataset.series = name;
                    const swatch = document.createElement('span');
                    swatch.className = 'swatch';
                    swatch.style.background = line.color;
                    const label = document.createElement('span');
                    label.textContent = name + ' ';
                    const value = document.createElement('span');
                    value.className = 'value';
                    value.dataset.value = null === latest ? '' : String(latest);
                    value.textContent = text;
                    item.append(swatch, label, value);
                    this.legend.append(item);
                }
            }
            this.canvas.setAttribute('aria-label', this.title + (parts.length ? ': ' + parts.join(', ') : ''));
        }

        /** Draw the chart at the canvas' current CSS size (nothing while it is hidden). */
        draw() {
            const width = this.canvas.clientWidth;
            const height = this.canvas.clientHeight;
            if (width <= 0 || height <= 0) {
                return;
            }
            const ratio = global.devicePixelRatio || 1;
            if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
                this.canvas.width = Math.round(width * ratio);
                this.canvas.height = Math.round(height * ratio);
            }
            const ctx = this.canvas.getContext('2d');
            ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
            ctx.clearRect(0, 0, width, height);
            const plotWidth = width - PADDING.left - PADDING.right;
            const plotHeight = height - PADDING.top - PADDING.bottom;
            if (plotWidth <= 0 || plotHeight <= 0) {
                return;
            }

            let max = 0;
            for (const line of this.series.values()) {
                for (const value of line.values) {
                    if (null !== value && value > max) {
                        max = value;
                    }
                }
            }
            const step = niceStep(max > 0 ? max : 1, Y_TICKS, this.binary);
            const top = Math.max(step, Math.ceil(max / step) * step);
            const y = value => PADDING.top + plotHeight - (value / top) * plotHeight;
            const end = this.times.length ? this.times[this.times.length - 1] : Date.now();
            // The axis spans the points kept, growing to the full window as they come (at least MIN_SPAN_MS).
            const span = Math.min(this.windowMs, Math.max(MIN_SPAN_MS, this.times.length ? end - this.times[0] : 0));
            const x = time => PADDING.left + plotWidth - ((end - time) / span) * plotWidth;

            const style = global.getComputedStyle(this.canvas);
            ctx.font = '11px ' + style.fontFamily;
            ctx.lineWidth = 1;
            ctx.strokeStyle = style.getPropertyValue('--grid').trim() || '#e5e7eb';
            ctx.fillStyle = style.color || '#374151';
            ctx.textAlign = 'right';
            ctx.textBaseline = 'middle';
            for (let tick = 0; tick <= top + step / 2; tick += step) {
                const ty = Math.round(y(tick)) + 0.5;
                ctx.beginPath();
                ctx.moveTo(PADDING.left, ty);
                ctx.lineTo(PADDING.left + plotWidth, ty);
                ctx.stroke();
                ctx.fillText(this.format(tick), PADDING.left - 6, ty);
            }
            ctx.textBaseline = 'top';
            ctx.textAlign = 'left';
            ctx.fillText(clock(end - span), PADDING.left, PADDING.top + plotHeight + 6);
            ctx.textAlign = 'right';
            ctx.fillText(clock(end), PADDING.left + plotWidth, PADDING.top + plotHeight + 6);

            ctx.save();
            ctx.beginPath();
            ctx.rect(PADDING.left, PADDING.top - 2, plotWidth, plotHeight + 4);
            ctx.clip();
            ctx.lineWidth = 2;
            ctx.lineJoin = 'round';
            for (const line of this.series.values()) {
                ctx.strokeStyle = line.color;
                ctx.beginPath();
                let drawing = false;
                line.values.forEach((value, i) => {
                    if (null === value) {
                        drawing = false;
                        return;
                    }
                    const px = x(this.times[i]);
                    const py = y(value);
                    if (drawing) {
                        ctx.lineTo(px, py);
                    } else {
                        ctx.moveTo(px, py);
                        drawing = true;
                    }
                });
                ctx.stroke();
            }
            ctx.restore();
        }
    }

    global.LineChart = LineChart;
})(window);
