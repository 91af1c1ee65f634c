package org.influence4j.bench.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.influence4j.InfluenceSink;
import org.influence4j.InfluenceSinks;

/**
 * {@code --scores-out FILE}: the full {@code n × Q} score matrix streamed to a file by the library's sinks —
 * {@code .csv} ({@link InfluenceSinks#csv}: a {@code train_index} column, then one column per test point named by its
 * test index) or {@code .bin} ({@link InfluenceSinks#binary}: {@code "I4JINFL1"}, Q, n, then n·Q big-endian doubles,
 * row-major {@code [n, Q]}). {@link #check} refuses, before any work, another extension, a directory, a file that
 * exists without {@code --overwrite}, a name the command writes itself, and a directory that cannot be created or
 * written. The sink writes a temporary file and moves it into place only when the computation completes; directories
 * created for the file are removed again by {@link #discard()} when the command fails.
 */
final class ScoresOutput {

    /** The file formats, by extension. */
    enum Format {
        CSV, BIN
    }

    private final Path file;
    private final Format format;
    private final boolean overwrite;
    private final MadeDirectories made = new MadeDirectories();

    private ScoresOutput(Path file, Format format, boolean overwrite) {
        this.file = file;
        this.format = format;
        this.overwrite = overwrite;
    }

    /**
     * Checks {@code --scores-out} before any work.
     *
     * @param file      the option's value, or null
     * @param overwrite whether {@code --overwrite} was given
     * @param outDir    the command's {@code --out} directory
     * @param outputs   the names the command writes into it (checked against a clash)
     * @return the output, or null without the option
     * @throws IllegalArgumentException naming {@code --scores-out}, the file and the remedy
     */
    static ScoresOutput check(Path file, boolean overwrite, Path outDir, List<String> outputs) {
        if (file == null) {
            return null;
        }
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        Format format = name.endsWith(".csv") ? Format.CSV : name.endsWith(".bin") ? Format.BIN : null;
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--scores-out " + file + " is a directory; name a .csv or .bin file");
        }
        if (format == null) {
            int dot = name.lastIndexOf('.');
            throw new IllegalArgumentException("--scores-out " + file + ": unknown format "
                    + (dot < 0 ? "(no extension)" : "'" + name.substring(dot) + "'") + "; name a .csv file (text: "
                    + "train_index, then one column per test point) or a .bin file (big-endian doubles, see --help)");
        }
        Path absolute = file.toAbsolutePath().normalize();
        for (String own : outputs) {
            if (absolute.equals(outDir.resolve(own).toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--scores-out " + file + " is the command's own " + own + " in --out "
                        + outDir + "; choose another name");
            }
        }
        if (Files.exists(file) && !overwrite) {
            throw new IllegalArgumentException("--scores-out " + file + " already exists; nothing was written: pass "
                    + "--overwrite to replace it, or choose another file");
        }
        MadeDirectories.check("--scores-out", file);
        return new ScoresOutput(file, format, overwrite);
    }

    /** The file. */
    Path file() {
        return file;
    }

    /** Its format. */
    Format format() {
        return format;
    }

    /**
     * The library's sink for this file, creating its directory if needed (removed again by {@link #discard()}).
     *
     * @param queryNames the CSV column names, one per test point (ignored for binary files)
     */
    InfluenceSink sink(List<String> queryNames) throws IOException {
        made.create(file);
        return format == Format.CSV ? InfluenceSinks.csv(file, queryNames, overwrite)
                : InfluenceSinks.binary(file, overwrite);
    }

    /** After a failure: removes the directories {@link #sink} created, if they are still empty. */
    void discard() {
        made.removeIfEmpty();
    }
}
