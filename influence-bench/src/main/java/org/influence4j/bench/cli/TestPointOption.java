package org.influence4j.bench.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.influence4j.bench.study.TestPoints;

/**
 * Parses test-point selectors ({@code --test-point}): comma-separated entries, each {@code highest-loss},
 * {@code median-loss}, a 0-based test index ({@code 7}) or an inclusive range of indices ({@code 0-99}); and
 * {@code --highest-loss N}, the {@code N} highest-loss test examples. Every mistake is an
 * {@link IllegalArgumentException} naming the option, the entry and the remedy (the CLI's exit code 2).
 */
final class TestPointOption {

    private static final Pattern RANGE = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");
    private static final String FORMS = "give test indices (7), ranges (0-99), highest-loss or median-loss, "
            + "comma-separated";

    private TestPointOption() {
    }

    /** One parsed entry: a keyword ({@code from = to = -1}) or an inclusive range of indices. */
    private record Entry(String text, String keyword, long from, long to) {
    }

    /**
     * Checks the form of {@code --test-point} entries before any work: no empty entry, known keywords, ranges in
     * ascending order, and no index listed twice (a keyword's test example is only known after training).
     *
     * @throws IllegalArgumentException naming the option, the entry and the remedy
     */
    static void checkSyntax(List<String> entries) {
        parse(entries);
    }

    private static List<Entry> parse(List<String> entries) {
        if (entries == null || entries.isEmpty()) {
            throw new IllegalArgumentException("--test-point is empty; " + FORMS);
        }
        List<Entry> out = new ArrayList<>();
        for (String e : entries) {
            String text = e == null ? "" : e.trim();
            String s = text.toLowerCase(Locale.ROOT);
            if (s.isEmpty()) {
                throw new IllegalArgumentException("--test-point has an empty entry" + (entries.size() > 1
                        ? " in '" + String.join(",", entries) + "'" : "") + "; " + FORMS);
            }
            Entry entry;
            Matcher m = RANGE.matcher(s);
            if (s.equals("highest-loss") || s.equals("median-loss")) {
                entry = new Entry(text, s, -1, -1);
            } else if (m.matches()) {
                long from = number(m.group(1));
                long to = number(m.group(2));
                if (from > to) {
                    throw new IllegalArgumentException("--test-point range " + text + " is descending; write "
                            + m.group(2) + "-" + m.group(1));
                }
                entry = new Entry(text, null, from, to);
            } else {
                long i;
                try {
                    i = Long.parseLong(s);
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException("--test-point '" + text + "' is not highest-loss, "
                            + "median-loss, a test index or a range FROM-TO; " + FORMS);
                }
                if (i < 0) {
                    throw new IllegalArgumentException("--test-point " + i + " is negative; test indices start at 0");
                }
                entry = new Entry(text, null, i, i);
            }
            if (entry.keyword() == null) {
                for (Entry earlier : out) { // indices named twice are known now: overlapping ranges
                    long first = Math.max(earlier.from(), entry.from());
                    if (earlier.keyword() == null && first <= Math.min(earlier.to(), entry.to())) {
                        throw twice(first, earlier.text(), text);
                    }
                }
            }
            out.add(entry);
        }
        return out;
    }

    private static long number(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE; // more digits than a long: out of range
        }
    }

    private static IllegalArgumentException twice(long index, String earlier, String later) {
        return new IllegalArgumentException("--test-point names test example " + index + " twice ("
                + (earlier.equals(later) ? "'" + earlier + "' is listed twice" : "as '" + earlier + "' and '"
                + later + "'") + "); list each test example once");
    }

    /**
     * Resolves {@code --test-point} entries (already split at commas), in the order given; a range expands in
     * ascending order.
     *
     * @param entries the entries; an empty list or an empty entry is an error
     * @param losses  per-example test losses; not modified
     * @return one choice per test example, each test example at most once
     * @throws IllegalArgumentException for an empty, malformed or out-of-range entry, or a test example named twice
     */
    static List<TestPoints.Choice> resolveAll(List<String> entries, double[] losses) {
        Map<Integer, String> seen = new LinkedHashMap<>(); // test index -> the entry that named it
        List<TestPoints.Choice> out = new ArrayList<>();
        for (Entry e : parse(entries)) {
            List<TestPoints.Choice> chosen = new ArrayList<>();
            if ("highest-loss".equals(e.keyword())) {
                int i = TestPoints.highestLoss(losses);
                chosen.add(new TestPoints.Choice(i, TestPoints.Kind.HIGHEST_LOSS, losses[i]));
            } else if ("median-loss".equals(e.keyword())) {
                int i = TestPoints.medianLoss(losses);
                chosen.add(new TestPoints.Choice(i, TestPoints.Kind.MEDIAN_LOSS, losses[i]));
            } else if (e.to() >= losses.length) {
                throw new IllegalArgumentException("--test-point " + (e.from() == e.to() ? e.text() : "range "
                        + e.text()) + " is out of range: the test set has " + losses.length + " examples (0.."
                        + (losses.length - 1) + ")");
            } else {
                for (int i = (int) e.from(); i <= e.to(); i++) {
                    chosen.add(new TestPoints.Choice(i, TestPoints.Kind.INDEX, losses[i]));
                }
            }
            for (TestPoints.Choice c : chosen) {
                String earlier = seen.putIfAbsent(c.index(), e.text());
                if (earlier != null) {
                    throw twice(c.index(), earlier, e.text());
                }
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The {@code --highest-loss N} selection: the {@code count} highest-loss test examples, highest first.
     *
     * @throws IllegalArgumentException unless {@code 1 ≤ count ≤ losses.length}
     */
    static List<TestPoints.Choice> highestLosses(int count, double[] losses) {
        if (count < 1 || count > losses.length) {
            throw new IllegalArgumentException("--highest-loss (" + count + ") must be between 1 and the test set "
                    + "size (" + losses.length + ")");
        }
        return TestPoints.highestLosses(losses, count);
    }
}
