package org.influence4j.bench.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import javax.imageio.ImageIO;

/**
 * A PNG grid of small grey-scale images with a caption under each: one row per test point (the test image, then
 * the training images that explain it). Pixel values in [0, 1] (clipped), white background, black ink.
 */
public final class ImageGrid {

    private static final int SCALE = 3;
    private static final int PAD = 8;
    private static final int CAPTION = 16;

    private ImageGrid() {
    }

    /**
     * One image and its caption.
     *
     * @param pixels  {@code height × width} values, row-major
     * @param caption a short caption
     */
    public record Cell(double[] pixels, String caption) {
        /** Validates. */
        public Cell {
            Objects.requireNonNull(pixels, "pixels");
            Objects.requireNonNull(caption, "caption");
        }
    }

    /**
     * A row of cells.
     *
     * @param cells left to right
     */
    public record Row(List<Cell> cells) {
        /** Copies. */
        public Row {
            cells = List.copyOf(cells);
        }
    }

    /**
     * Writes the grid.
     *
     * @param file   the PNG to write (replaced if present)
     * @param height image height
     * @param width  image width
     * @param rows   at least one row
     * @param title  a line above the grid
     * @return {@code file}
     * @throws IllegalArgumentException if a cell does not have {@code height × width} pixels
     */
    public static Path write(Path file, int height, int width, List<Row> rows, String title) throws IOException {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("rows is empty; give at least one row");
        }
        int columns = rows.stream().mapToInt(r -> r.cells().size()).max().orElse(1);
        int cellW = Math.max(width * SCALE, 96) + PAD;
        int cellH = height * SCALE + CAPTION + PAD;
        int titleH = 24;
        BufferedImage img = new BufferedImage(PAD + columns * cellW, titleH + PAD + rows.size() * cellH,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(title, PAD, 17);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int r = 0; r < rows.size(); r++) {
                List<Cell> cells = rows.get(r).cells();
                for (int c = 0; c < cells.size(); c++) {
                    Cell cell = cells.get(c);
                    if (cell.pixels().length != height * width) {
                        throw new IllegalArgumentException("cell " + c + " of row " + r + " has "
                                + cell.pixels().length + " pixels; expected " + height + "×" + width);
                    }
                    int x0 = PAD + c * cellW;
                    int y0 = titleH + PAD + r * cellH;
                    for (int y = 0; y < height; y++) {
                        for (int x = 0; x < width; x++) {
                            double v = Math.max(0, Math.min(1, cell.pixels()[y * width + x]));
                            int grey = (int) Math.round(255 * (1 - v));   // ink on white
                            g.setColor(new Color(grey, grey, grey));
                            g.fillRect(x0 + x * SCALE, y0 + y * SCALE, SCALE, SCALE);
                        }
                    }
                    g.setColor(Color.BLACK);
                    String caption = cell.caption().length() > 16 ? cell.caption().substring(0, 16) : cell.caption();
                    g.drawString(caption, x0, y0 + height * SCALE + 13);
                }
            }
        } finally {
            g.dispose();
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available for " + file);
        }
        return file;
    }
}
