package org.influence4j.bench.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --out} directory of a command, checked before any work: it must be a directory (or not exist yet,
 * below a writable directory), writable, and hold none of the files the command will write unless
 * {@code --overwrite} is given. Every refusal is an {@link IllegalArgumentException} (exit code 2) that names
 * {@code --out}, the path and the reason; nothing is created or modified by the check.
 */
final class OutputDirectory {

    private OutputDirectory() {
    }

    /**
     * Checks {@code dir} for a command that writes files matching {@code outputs}.
     *
     * @param dir       the output directory ({@code --out} or the command's default)
     * @param overwrite whether {@code --overwrite} was given
     * @param outputs   the names the command writes, relative to {@code dir}; a name may be a glob
     *                  ({@code scatter_test*.png}) and one ending in {@code /} stands for a sub-directory the
     *                  command fills
     * @return {@code dir}
     * @throws IllegalArgumentException if the directory is unusable or holds earlier results
     * @throws IOException              if listing the directory fails
     */
    static Path check(Path dir, boolean overwrite, List<String> outputs) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file; give a directory (created if missing)");
        }
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IllegalArgumentException("--out " + dir + ": no existing parent directory");
        }
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException("--out " + dir + ": " + existing + " is a file, so the directory "
                    + "cannot be created; give another --out");
        }
        if (!Files.isWritable(existing) || !Files.isExecutable(existing)) {
            throw new IllegalArgumentException("--out " + dir + ": permission denied (" + existing + " is not "
                    + "writable); give another --out or change its permissions");
        }
        if (overwrite || !Files.isDirectory(dir)) {
            return dir;
        }
        List<String> found = new ArrayList<>();
        for (String name : outputs) {
            if (name.endsWith("/")) {
                Path sub = dir.resolve(name.substring(0, name.length() - 1));
                if (Files.isDirectory(sub)) {
                    try (DirectoryStream<Path> s = Files.newDirectoryStream(sub)) {
                        if (s.iterator().hasNext()) {
                            found.add(name);
                        }
                    }
                }
            } else if (name.indexOf('*') >= 0) {
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + name);
                try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                    for (Path p : s) {
                        if (m.matches(p.getFileName())) {
                            found.add(p.getFileName().toString());
                        }
                    }
                }
            } else if (Files.exists(dir.resolve(name))) {
                found.add(name);
            }
        }
        if (!found.isEmpty()) {
            java.util.Collections.sort(found);
            throw new IllegalArgumentException("--out " + dir + " already holds " + dir.resolve(found.get(0))
                    + (found.size() > 1 ? " (and " + (found.size() - 1) + " more earlier result file"
                            + (found.size() > 2 ? "s" : "") + ")" : "")
                    + "; nothing was written: pass --overwrite to replace earlier results, or choose another --out");
        }
        return dir;
    }
}
