package org.influence4j.bench.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The directories a command creates for a file option ({@code --scores-out}, {@code --factors}) whose directory does
 * not exist yet: {@link #check} before any work, {@link #create} just before the file is needed, and
 * {@link #removeIfEmpty()} when the command fails, so that a failed run leaves the file system as it found it.
 */
final class MadeDirectories {

    private final Deque<Path> made = new ArrayDeque<>(); // outermost first

    /**
     * Checks that {@code file}'s directory exists or can be created: its nearest existing ancestor is a writable
     * directory.
     *
     * @param option the option that named the file, for the message
     * @throws IllegalArgumentException naming the option, the file and the remedy
     */
    static void check(String option, Path file) {
        Path existing = file.toAbsolutePath().normalize().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + file + ": " + (existing == null ? "no existing parent "
                    + "directory" : existing + " is a file, so the directory cannot be created") + "; choose another "
                    + "path");
        }
        if (!Files.isWritable(existing) || !Files.isExecutable(existing)) {
            throw new IllegalArgumentException(option + " " + file + ": permission denied (" + existing + " is not "
                    + "writable); choose another path or change its permissions");
        }
    }

    /** Creates the missing directories of {@code file}'s directory, remembering which. */
    void create(Path file) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = file.toAbsolutePath().normalize().getParent(); d != null && !Files.exists(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) { // outermost first
            Files.createDirectory(d);
            made.addLast(d);
        }
    }

    /** Removes the directories {@link #create} made, deepest first, as long as they are empty. */
    void removeIfEmpty() {
        while (!made.isEmpty()) {
            try {
                Files.deleteIfExists(made.removeLast());
            } catch (IOException e) {
                return; // not empty (or not removable): keep it and its parents
            }
        }
    }
}
