package io.ringmq.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Self-contained HTML report: a summary table, a latency-percentile plot and a throughput-over-time plot, drawn as
 * inline SVG (no scripts, no external resources). Several results (e.g. the two brokers of a comparison) become
 * several series in the same plots.
 * <p>
 * <b>Threading:</b> stateless.
 */
final class HtmlReport
{
    private static final String[] COLOURS = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" };
    private static final int WIDTH = 760;
    private static final int HEIGHT = 340;
    private static final int LEFT = 70;
    private static final int RIGHT = 45;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;

    private HtmlReport()
    {
    }

    /**
     * Report of one result.
     *
     * @param result the run.
     * @return HTML document.
     */
    static String render(final LoadResult result)
    {
        return render(List.of(result), List.of(result.broker));
    }

    /**
     * Report of several results side by side.
     *
     * @param results runs.
     * @param names   series names, one per result.
     * @return HTML document.
     */
    static String render(final List<LoadResult> results, final List<String> names)
    {
        final LoadResult first = results.get(0);
        final StringBuilder sb = new StringBuilder(32 * 1024);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .append("<title>ringmq-loadtest ").append(escape(first.scenario)).append("</title>\n<style>")
            .append("body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}")
            .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}")
            .append("td:first-child,th:first-child{text-align:left}.warn{color:#b00}svg{background:#fff;")
            .append("border:1px solid #ddd;margin:8px 0}code{background:#f5f5f5;padding:2px 4px}")
            .append("</style></head><body>\n");
        sb.append("<h1>ringmq-loadtest: ").append(escape(first.scenario)).append("</h1>\n");
        for (int i = 0; i < results.size(); i++)
        {
            sb.append("<p><b>").append(escape(names.get(i))).append("</b>: <code>")
                .append(escape(results.get(i).options)).append("</code></p>\n");
        }
        summaryTable(sb, results, names);
        for (int i = 0; i < results.size(); i++)
        {
            if (null != results.get(i).stalledMode)
            {
                sb.append("<h2>Isolation: ").append(escape(names.get(i))).append("</h2>\n<pre>");
                for (final String line : Summary.isolationLines(results.get(i)))
                {
                    sb.append(escape(line)).append('\n');
                }
                sb.append("</pre>\n");
            }
        }
        sb.append("<h2>Latency by percentile (").append(escape(first.latencyMetric)).append(")</h2>\n");
        percentilePlot(sb, results, names);
        sb.append("<h2>Throughput over time</h2>\n");
        throughputPlot(sb, results, names);
        for (int i = 0; i < results.size(); i++)
        {
            if (null != results.get(i).cpuWarning)
            {
                sb.append("<p class=\"warn\">").append(escape(names.get(i))).append(": ")
                    .append(escape(results.get(i).cpuWarning)).append("</p>\n");
            }
        }
        sb.append("<p>Latency is measured from the intended send time carried in each payload (corrected for ")
            .append("coordinated omission when a rate is set). Lost = expected (sent at QoS 0, acknowledged at QoS ")
            .append("1/2, times receivers) minus distinct sequences received.</p>\n</body></html>\n");
        return sb.toString();
    }

    private static void summaryTable(final StringBuilder sb, final List<LoadResult> results, final List<String> names)
    {
        sb.append("<table><tr><th>broker</th><th>connections</th><th>target msg/s</th><th>sent msg/s</th>")
            .append("<th>received msg/s</th><th>sent</th><th>received</th><th>lost</th><th>duplicated</th>")
            .append("<th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>connects/s</th>")
            .append("<th>broker RSS/conn</th><th>load tester CPU</th></tr>\n");
        for (int i = 0; i < results.size(); i++)
        {
            final LoadResult r = results.get(i);
            sb.append("<tr><td>").append(escape(names.get(i))).append("</td><td>")
                .append(r.connectionsEstablished).append('/').append(r.connectionsTarget).append("</td><td>")
                .append(r.targetRate > 0 ? fmt(r.targetRate) : "unlimited").append("</td><td>")
                .append(fmt(r.achievedRate)).append("</td><td>").append(fmt(r.receiveRate)).append("</td><td>")
                .append(r.sent).append("</td><td>").append(r.received).append("</td><td>")
                .append(r.lost).append("</td><td>").append(r.duplicated).append("</td><td>")
                .append(Summary.micros(r.latencyUs(50))).append("</td><td>")
                .append(Summary.micros(r.latencyUs(99))).append("</td><td>")
                .append(Summary.micros(r.latencyUs(99.9))).append("</td><td>")
                .append(Summary.micros(r.maxLatencyUs())).append("</td><td>")
                .append(fmt(r.connectsPerSecond)).append("</td><td>")
                .append(Summary.bytes(r.brokerRssPerConnectionBytes)).append("</td><td>")
                .append(String.format(Locale.ROOT, "%.0f%%", r.processCpuPercent)).append("</td></tr>\n");
        }
        sb.append("</table>\n");
    }

    private static void percentilePlot(final StringBuilder sb, final List<LoadResult> results, final List<String> names)
    {
        double maxUs = 1;
        double minUs = Double.MAX_VALUE;
        final List<List<double[]>> curves = new ArrayList<>();
        for (final LoadResult r : results)
        {
            final List<double[]> curve = r.percentileCurve();
            curves.add(curve);
            for (final double[] point : curve)
            {
                maxUs = Math.max(maxUs, point[1]);
                minUs = Math.min(minUs, Math.max(1, point[1]));
            }
        }
        if (minUs == Double.MAX_VALUE)
        {
            sb.append("<p>No latency samples.</p>\n");
            return;
        }
        final double maxNines = 6;
        final double logMin = Math.floor(Math.log10(minUs));
        final double logMax = Math.max(logMin + 1, Math.ceil(Math.log10(maxUs)));
        openSvg(sb);
        for (int n = 0; n <= maxNines; n++)
        {
            final double x = LEFT + n / maxNines * plotWidth();
            final String label = n == 0 ? "0%" : String.format(Locale.ROOT, "%s%%",
                new java.math.BigDecimal(100 - Math.pow(10, 2 - n)).setScale(Math.max(0, n - 2),
                java.math.RoundingMode.HALF_UP).toPlainString());
            gridX(sb, x, label);
        }
        for (double e = logMin; e <= logMax; e++)
        {
            final double y = TOP + plotHeight() * (1 - (e - logMin) / (logMax - logMin));
            gridY(sb, y, Summary.micros(Math.pow(10, e)));
        }
        for (int i = 0; i < curves.size(); i++)
        {
            final StringBuilder points = new StringBuilder();
            for (final double[] point : curves.get(i))
            {
                final double nines = point[0] >= 100 ? maxNines : Math.min(maxNines, -Math.log10(1 - point[0] / 100));
                final double x = LEFT + nines / maxNines * plotWidth();
                final double y = TOP + plotHeight() *
                    (1 - (Math.log10(Math.max(1, point[1])) - logMin) / (logMax - logMin));
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            polyline(sb, points, i);
        }
        axisLabels(sb, "percentile", "latency");
        legend(sb, names);
        sb.append("</svg>\n");
    }

    private static void throughputPlot(final StringBuilder sb, final List<LoadResult> results, final List<String> names)
    {
        double maxT = 1;
        double maxRate = 1;
        final boolean connections = results.get(0).sent == 0;
        for (final LoadResult r : results)
        {
            for (final double[] p : r.timeline)
            {
                maxT = Math.max(maxT, p[0]);
                maxRate = Math.max(maxRate, connections ? Math.max(p[3], p.length > 6 ? p[6] : 0) :
                    Math.max(p[1], p[2]));
            }
        }
        final double step = niceStep(maxRate / 5);
        maxRate = Math.ceil(maxRate / step) * step;
        openSvg(sb);
        final double tStep = niceStep(maxT / 8);
        for (double t = 0; t <= maxT + 1e-9; t += tStep)
        {
            gridX(sb, LEFT + t / maxT * plotWidth(), String.format(Locale.ROOT, "%.0f s", t));
        }
        for (double v = 0; v <= maxRate + 1e-9; v += step)
        {
            gridY(sb, TOP + plotHeight() * (1 - v / maxRate), String.format(Locale.ROOT, "%,.0f", v));
        }
        final List<String> legendNames = new ArrayList<>();
        int series = 0;
        for (int i = 0; i < results.size(); i++)
        {
            final int[] columns = connections ? new int[]{ 3, 6 } : new int[]{ 1, 2 };
            final String[] labels = connections ? new String[]{ "connections up", "connects/s" } :
                new String[]{ "sent msg/s", "received msg/s" };
            for (int c = 0; c < columns.length; c++)
            {
                final StringBuilder points = new StringBuilder();
                for (final double[] p : results.get(i).timeline)
                {
                    final double value = columns[c] < p.length ? p[columns[c]] : 0;
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + p[0] / maxT * plotWidth(),
                        TOP + plotHeight() * (1 - value / maxRate)));
                }
                polyline(sb, points, series++);
                legendNames.add(names.get(i) + " " + labels[c]);
            }
        }
        axisLabels(sb, "time since start", connections ? "connections" : "msg/s");
        legend(sb, legendNames);
        sb.append("</svg>\n");
    }

    private static double niceStep(final double raw)
    {
        if (raw <= 0)
        {
            return 1;
        }
        final double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        final double fraction = raw / magnitude;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
    }

    private static void openSvg(final StringBuilder sb)
    {
        sb.append(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" " +
            "font-size=\"11\">\n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    }

    private static double plotWidth()
    {
        return WIDTH - LEFT - RIGHT;
    }

    private static double plotHeight()
    {
        return HEIGHT - TOP - BOTTOM;
    }

    private static void gridX(final StringBuilder sb, final double x, final String label)
    {
        sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>" +
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x, TOP, x, TOP + plotHeight(), x,
            TOP + plotHeight() + 14, escape(label)));
    }

    private static void gridY(final StringBuilder sb, final double y, final String label)
    {
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>" +
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT, y, LEFT + plotWidth(), y, LEFT - 4,
            y + 4, escape(label)));
    }

    private static void polyline(final StringBuilder sb, final StringBuilder points, final int series)
    {
        sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(COLOURS[series % COLOURS.length])
            .append("\" points=\"").append(points).append("\"/>\n");
    }

    private static void axisLabels(final StringBuilder sb, final String x, final String y)
    {
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>" +
            "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">%s</text>\n",
            LEFT + plotWidth() / 2, HEIGHT - 8, escape(x), TOP + plotHeight() / 2, TOP + plotHeight() / 2,
            escape(y)));
    }

    private static void legend(final StringBuilder sb, final List<String> names)
    {
        for (int i = 0; i < names.size(); i++)
        {
            final double y = TOP + 12 + i * 15;
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"12\" height=\"3\" fill=\"%s\"/>" +
                "<text x=\"%d\" y=\"%.1f\">%s</text>\n", LEFT + 10, y - 4, COLOURS[i % COLOURS.length], LEFT + 26, y,
                escape(names.get(i))));
        }
    }

    private static String fmt(final double value)
    {
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    static String escape(final String text)
    {
        if (null == text)
        {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
