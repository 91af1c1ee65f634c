package org.influence4j.bench.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.Subsampling1DLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The input shape a {@code MultiLayerNetwork} expects, read from its configuration, and the reshaping of the flat
 * rows the loaders produce ({@code [n, d]}: IDX images row by row, CSV rows as written) into that shape. Command-line
 * plumbing: the library receives the data in the network's own shape, as a user would pass it.
 *
 * <p>DL4J 1.0.0-M2.1 does not keep the {@code InputType} given to {@code setInputType}; what it leaves behind is:
 * <ul>
 *   <li>{@code InputType.convolutionalFlat(h, w, c)}: a {@code FeedForwardToCnnPreProcessor(h, w, c)} in front of
 *       layer 0. The network takes flat rows of {@code h·w·c} values (reshaped by DL4J in C order to
 *       {@code [n, c, h, w]}: channel by channel, each image row by row); the rows are passed unchanged.</li>
 *   <li>{@code InputType.convolutional(h, w, c)}: no preprocessor in front of a 2-D convolution or pooling layer 0;
 *       only the channel count {@code c} (the first convolution's {@code nIn}) and the data format (NCHW or NHWC)
 *       remain. The image size is whatever the later layers accept: a candidate {@code h×w} (from the IDX header, or
 *       the factorisations of {@code d / c} for CSV rows) is propagated through the layers'
 *       {@code getOutputType} and compared with every {@code CnnToFeedForwardPreProcessor} and {@code nIn} on the
 *       way. Rows are reshaped in C order to {@code [n, c, h, w]} (NCHW) or {@code [n, h, w, c]} (NHWC).</li>
 *   <li>anything else (dense first layer): rows as they are, checked by {@link ModelOptions#checkFits}.</li>
 * </ul>
 * Every mismatch is an {@link IllegalArgumentException} (exit code 2) naming the option, the file, the shape found,
 * the shape expected and the remedy.
 */
final class NetworkInput {

    /** What layer 0 takes. */
    enum Kind {
        /** Plain rows (dense first layer or anything not an image network). */
        ROWS,
        /** Flat rows of an image, {@code InputType.convolutionalFlat}. */
        FLAT_IMAGES,
        /** Rank-4 image arrays, {@code InputType.convolutional}. */
        IMAGES
    }

    /** The largest square side tried when describing which image sizes a convolutional network accepts. */
    private static final int MAX_SIDE = 512;

    private final MultiLayerConfiguration conf;
    private final Kind kind;
    private final long height;
    private final long width;
    private final long channels;
    private final CNN2DFormat format;

    private NetworkInput(MultiLayerConfiguration conf, Kind kind, long height, long width, long channels,
                         CNN2DFormat format) {
        this.conf = conf;
        this.kind = kind;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.format = format;
    }

    /** Reads what {@code net} expects from its configuration (the network is not modified). */
    static NetworkInput of(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        InputPreProcessor pre = conf.getInputPreProcess(0);
        Layer first = conf.getConf(0).getLayer();
        if (pre instanceof FeedForwardToCnnPreProcessor p) {
            return new NetworkInput(conf, Kind.FLAT_IMAGES, p.getInputHeight(), p.getInputWidth(), p.getNumChannels(),
                    CNN2DFormat.NCHW);
        }
        boolean conv2d = first instanceof ConvolutionLayer && !(first instanceof Convolution1DLayer)
                && !(first instanceof Convolution3D);
        boolean pool2d = first instanceof SubsamplingLayer && !(first instanceof Subsampling1DLayer);
        if (pre == null && (conv2d || pool2d)) {
            long c = first instanceof FeedForwardLayer ff && ff.getNIn() > 0 ? ff.getNIn() : 1;
            CNN2DFormat f = conv2d ? ((ConvolutionLayer) first).getCnn2dDataFormat()
                    : ((SubsamplingLayer) first).getCnn2dDataFormat();
            return new NetworkInput(conf, Kind.IMAGES, -1, -1, c, f == null ? CNN2DFormat.NCHW : f);
        }
        return new NetworkInput(conf, Kind.ROWS, -1, -1, -1, null);
    }

    /** What layer 0 takes. */
    Kind kind() {
        return kind;
    }

    /**
     * Gives {@code data}'s features the shape the network expects.
     *
     * @param option   the option that named the data ({@code --train}, {@code --test}, {@code --dataset})
     * @param source   the file or data set name, for messages
     * @param data     features {@code [n, d]}; not modified
     * @param image    {@code {rows, columns}} of the source's images when known (IDX, bundled images), else
     *                 {@code null}
     * @param model    how the network is named in messages, e.g. {@code "the --model network net.zip"}
     * @return {@code data} itself (rows) or a new data set with reshaped features and the same labels
     * @throws IllegalArgumentException if the data cannot have the expected shape
     */
    DataSet shape(String option, String source, DataSet data, int[] image, String model) {
        long d = data.getFeatures().columns();
        String found = image != null ? "holds " + image[0] + "x" + image[1] + " images (one channel)"
                : "has rows of " + d + " values";
        return switch (kind) {
            case ROWS -> data;
            case FLAT_IMAGES -> {
                boolean ok = image != null ? channels == 1 && image[0] == height && image[1] == width
                        : d == height * width * channels;
                if (!ok) {
                    throw new IllegalArgumentException(option + " " + source + " " + found + " but " + model
                            + " expects " + height + "x" + width + " images with " + plural(channels, "channel")
                            + " (InputType.convolutionalFlat(" + height + ", " + width + ", " + channels
                            + "): rows of " + height * width * channels + " values, [n, " + height * width * channels
                            + "])" + "; give " + height + "x" + width + " images" + (channels > 1 ? " with "
                            + channels + " channels (CSV rows of " + height * width * channels + " values, channel by"
                            + " channel)" : "") + ", or a model built for " + (image != null ? image[0] + "x"
                            + image[1] + " images" : d + " inputs"));
                }
                yield data;
            }
            case IMAGES -> {
                long[] hw = imageSize(option, source, d, image, found, model);
                long n = data.getFeatures().rows();
                long[] shape = format == CNN2DFormat.NHWC ? new long[] {n, hw[0], hw[1], channels}
                        : new long[] {n, channels, hw[0], hw[1]};
                INDArray x = data.getFeatures().dup('c').reshape('c', shape);
                yield new DataSet(x, data.getLabels());
            }
        };
    }

    /** The image size for rank-4 input: the source's own (IDX) or the one the network accepts for rows of d. */
    private long[] imageSize(String option, String source, long d, int[] image, String found, String model) {
        if (image != null) {
            if (channels == 1 && accepts(image[0], image[1])) {
                return new long[] {image[0], image[1]};
            }
            throw mismatch(option, source, found, model, image[0] + "x" + image[1] + " images");
        }
        List<long[]> fits = new ArrayList<>();
        if (d % channels == 0) {
            long pixels = d / channels;
            for (long h = 1; h <= pixels; h++) {
                if (pixels % h == 0 && accepts(h, pixels / h)) {
                    fits.add(new long[] {h, pixels / h});
                }
            }
        }
        if (fits.size() == 1) {
            return fits.get(0);
        }
        for (long[] hw : fits) {
            if (hw[0] == hw[1]) {
                return hw; // several sizes fit (e.g. global pooling): square images are the usual case
            }
        }
        if (fits.isEmpty()) {
            throw mismatch(option, source, found, model, d + "-value inputs");
        }
        throw new IllegalArgumentException(option + " " + source + " " + found + ", which " + model + " accepts as "
                + fits.size() + " different image sizes (" + sizes(fits) + ") and no square one; give IDX image "
                + "files, whose header carries the size");
    }

    private IllegalArgumentException mismatch(String option, String source, String found, String model,
                                              String otherModel) {
        List<long[]> squares = new ArrayList<>();
        for (long s = 1; s <= MAX_SIDE && squares.size() < 4; s++) {
            if (accepts(s, s)) {
                squares.add(new long[] {s, s});
            }
        }
        String expected;
        String remedy;
        if (squares.isEmpty()) {
            expected = "images " + layout("h", "w") + " of a size its layers accept (no square size up to "
                    + MAX_SIDE + "x" + MAX_SIDE + " fits)";
            remedy = "images of a size the network accepts";
        } else if (squares.size() == 1) {
            long s = squares.get(0)[0];
            expected = "images " + layout(Long.toString(s), Long.toString(s)) + " (InputType.convolutional(" + s + ", "
                    + s + ", " + channels + ")" + (channels > 1 || format == CNN2DFormat.NHWC ? ", " + format : "")
                    + "; CSV rows of " + s * s * channels + " values)";
            remedy = s + "x" + s + " images" + (channels > 1 ? " with " + channels + " channels" : "");
        } else {
            expected = "images " + layout("h", "w") + " of a size its layers accept (square: " + sizes(squares)
                    + (squares.size() == 4 ? ", ..." : "") + ")";
            remedy = "images of one of these sizes";
        }
        return new IllegalArgumentException(option + " " + source + " " + found + " but " + model + " expects "
                + expected + "; give " + remedy + ", or a model built for " + otherModel);
    }

    private String layout(String h, String w) {
        return format == CNN2DFormat.NHWC ? "[n, " + h + ", " + w + ", " + channels + "]"
                : "[n, " + channels + ", " + h + ", " + w + "]";
    }

    private static String sizes(List<long[]> hw) {
        List<String> s = new ArrayList<>();
        for (long[] x : hw) {
            s.add(x[0] + "x" + x[1]);
        }
        return String.join(", ", s);
    }

    private static String plural(long n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    /**
     * Whether {@code h×w} images with the network's channels pass every layer: the layers' own output types
     * (a kernel larger than its input fails there), every {@code CnnToFeedForwardPreProcessor}'s stored
     * size and every {@code nIn}.
     */
    boolean accepts(long h, long w) {
        InputType current = InputType.convolutional(h, w, channels, format);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            InputPreProcessor pre = conf.getInputPreProcess(i);
            try {
                if (pre instanceof CnnToFeedForwardPreProcessor p) {
                    if (!(current instanceof InputType.InputTypeConvolutional c) || c.getHeight() != p.getInputHeight()
                            || c.getWidth() != p.getInputWidth() || c.getChannels() != p.getNumChannels()) {
                        return false;
                    }
                }
                if (pre != null) {
                    current = pre.getOutputType(current);
                }
                Layer layer = conf.getConf(i).getLayer();
                if (layer instanceof FeedForwardLayer ff && ff.getNIn() > 0) {
                    long in = current instanceof InputType.InputTypeConvolutional c ? c.getChannels()
                            : current.arrayElementsPerExample();
                    if (in != ff.getNIn()) {
                        return false;
                    }
                }
                if (current instanceof InputType.InputTypeConvolutional c && tooSmall(layer, c)) {
                    return false;
                }
                current = layer.getOutputType(i, current);
            } catch (RuntimeException e) {
                return false; // e.g. a kernel larger than its input
            }
        }
        return true;
    }

    /**
     * Whether a 2-D convolution or pooling layer without "same" padding has a kernel (dilated) larger than its padded
     * input: DL4J would compute a size of 0 or less (and log a warning for each) before failing.
     */
    private static boolean tooSmall(Layer layer, InputType.InputTypeConvolutional in) {
        int[] k;
        int[] pad;
        int[] dil;
        ConvolutionMode mode;
        if (layer instanceof ConvolutionLayer c) {
            k = c.getKernelSize();
            pad = c.getPadding();
            dil = c.getDilation();
            mode = c.getConvolutionMode();
        } else if (layer instanceof SubsamplingLayer sl) {
            k = sl.getKernelSize();
            pad = sl.getPadding();
            dil = sl.getDilation();
            mode = sl.getConvolutionMode();
        } else {
            return false;
        }
        if (mode == ConvolutionMode.Same || k == null || k.length < 2) {
            return false;
        }
        long[] size = {in.getHeight(), in.getWidth()};
        for (int d = 0; d < 2; d++) {
            long effective = (long) (k[d] - 1) * (dil == null || dil.length < 2 ? 1 : dil[d]) + 1;
            if (effective > size[d] + 2L * (pad == null || pad.length < 2 ? 0 : pad[d])) {
                return true;
            }
        }
        return false;
    }

    /** What the network takes, for messages, e.g. {@code "flat rows of 28x28 images with 1 channel"}. */
    String describe() {
        return switch (kind) {
            case ROWS -> "rows";
            case FLAT_IMAGES -> String.format(Locale.ROOT, "flat rows of %dx%d images with %s", height, width,
                    plural(channels, "channel"));
            case IMAGES -> "images " + layout("h", "w") + " (" + format + ")";
        };
    }

    @Override
    public String toString() {
        return "NetworkInput[" + kind + ", " + describe() + "]";
    }
}
