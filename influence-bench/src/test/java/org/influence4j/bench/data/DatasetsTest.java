package org.influence4j.bench.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class DatasetsTest {

    @TempDir
    Path dir;

    @Test
    void irisAll_has150RowsOf4FeaturesIn3BalancedClasses() {
        ClassificationData iris = Datasets.irisAll();

        assertThat(iris.numExamples()).isEqualTo(150);
        assertThat(iris.numFeatures()).isEqualTo(4);
        assertThat(iris.classNames()).containsExactly("setosa", "versicolor", "virginica");
        assertThat(iris.classCounts()).containsExactly(50, 50, 50);
        // the corrected (Fisher/R) variant: 1-based row 35 is 4.9,3.1,1.5,0.2
        assertThat(iris.data().getFeatures().getRow(34).toDoubleVector()).containsExactly(4.9, 3.1, 1.5, 0.2);
    }

    @Test
    void iris_splitIsStratifiedDeterministicAndSeedDependent() {
        TrainTestData a = Datasets.iris(7);
        TrainTestData b = Datasets.iris(7);
        TrainTestData c = Datasets.iris(8);

        assertThat(a.train().numExamples()).isEqualTo(Datasets.IRIS_TRAIN_SIZE);
        assertThat(a.test().numExamples()).isEqualTo(Datasets.IRIS_TEST_SIZE);
        // 50 test rows over three classes of 50: 17, 17, 16 (largest remainder, ties to the lower class)
        assertThat(a.test().classCounts()).containsExactly(17, 17, 16);
        assertThat(a.train().classCounts()).containsExactly(33, 33, 34);
        assertThat(a.train().data().getFeatures()).isEqualTo(b.train().data().getFeatures());
        assertThat(a.test().data().getFeatures()).isEqualTo(b.test().data().getFeatures());
        assertThat(a.test().data().getFeatures()).isNotEqualTo(c.test().data().getFeatures());
        assertThat(a.train().name()).isEqualTo("iris/train");
    }

    @Test
    void iris_isStandardisedWithTrainingStatisticsOnly() {
        TrainTestData split = Datasets.iris(Datasets.DEFAULT_SEED);
        INDArray train = split.train().data().getFeatures();

        assertThat(train.mean(0).toDoubleVector()).containsExactly(new double[] {0, 0, 0, 0}, within(1e-12));
        assertThat(train.std(false, 0).toDoubleVector()).containsExactly(new double[] {1, 1, 1, 1}, within(1e-12));

        // the test set is mapped with the training mean and scale, recomputed here from the raw rows
        ClassificationData all = Datasets.irisAll();
        Splits.SplitIndices idx = Splits.stratifiedIndices(all.labelIndices(), 3, Datasets.IRIS_TEST_SIZE,
                Datasets.DEFAULT_SEED);
        INDArray rawTrain = all.data().getFeatures().getRows(idx.train());
        INDArray rawTest = all.data().getFeatures().getRows(idx.test());
        INDArray expected = rawTest.subRowVector(rawTrain.mean(0)).divRowVector(rawTrain.std(false, 0));
        assertThat(split.test().data().getFeatures().equalsWithEps(expected, 1e-12)).isTrue();
        assertThat(split.test().data().getFeatures().mean(0).norm2Number().doubleValue()).isGreaterThan(1e-6);
    }

    @Test
    void smallMnist_has5500TrainAnd1000TestDigitsInUnitRange() {
        TrainTestData mnist = Datasets.smallMnist();
        INDArray x = mnist.train().data().getFeatures();

        assertThat(mnist.train().numExamples()).isEqualTo(5_500);
        assertThat(mnist.test().numExamples()).isEqualTo(1_000);
        assertThat(mnist.train().numFeatures()).isEqualTo(784);
        assertThat(mnist.classNames()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(x.dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(x.minNumber().doubleValue()).isEqualTo(0.0);
        assertThat(x.maxNumber().doubleValue()).isEqualTo(1.0);
        assertThat(mnist.test().data().getFeatures().maxNumber().doubleValue()).isLessThanOrEqualTo(1.0);
        // the counts recorded in small-mnist/NOTICE
        assertThat(mnist.train().classCounts()).containsExactly(550, 620, 545, 568, 539, 475, 558, 588, 519, 538);
        assertThat(mnist.test().classCounts()).containsExactly(100, 113, 99, 103, 98, 86, 102, 107, 94, 98);
    }

    @Test
    void bundled_knowsBothNamesAndRejectsOthers() {
        assertThat(Datasets.bundledNames()).containsExactly("iris", "small-mnist");
        assertThat(Datasets.bundled("iris").train().numExamples()).isEqualTo(100);
        assertThatThrownBy(() -> Datasets.bundled("cifar"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown data set 'cifar'").hasMessageContaining("[iris, small-mnist]");
    }

    @Test
    void fromFiles_readsTestCsvWithTrainingClasses() throws IOException {
        Path train = Files.writeString(dir.resolve("train.csv"), "1,2,cat\n3,4,dog\n");
        Path test = Files.writeString(dir.resolve("test.csv"), "5,6,dog\n7,8,cat\n");
        Path bad = Files.writeString(dir.resolve("bad.csv"), "5,6,dog\n7,8,cow\n");

        TrainTestData data = Datasets.fromFiles(train, test, CsvFormat.defaults());

        assertThat(data.classNames()).containsExactly("cat", "dog");
        assertThat(data.test().labelIndices()).containsExactly(1, 0);
        assertThatThrownBy(() -> Datasets.fromFiles(train, bad, CsvFormat.defaults()))
                .isInstanceOf(MalformedDataException.class)
                .hasMessageStartingWith(bad + ":2:3: label 'cow' is not one of the classes [cat, dog]");
    }

    @Test
    void loadFile_findsIdxLabelSibling_andRejectsUnknownKinds() throws IOException {
        Path images = dir.resolve("train-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images))) {
            out.writeInt(IdxReader.IMAGES_MAGIC);
            out.writeInt(2);
            out.writeInt(1);
            out.writeInt(2);
            out.write(new byte[] {0, (byte) 255, 51, 102});
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(
                "train-labels-idx1-ubyte")))) {
            out.writeInt(IdxReader.LABELS_MAGIC);
            out.writeInt(2);
            out.write(new byte[] {1, 0});
        }

        ClassificationData data = Datasets.loadFile(images, CsvFormat.defaults(), null);

        assertThat(data.data().getFeatures().toDoubleMatrix()[1]).containsExactly(0.2, 0.4);
        assertThat(data.labelIndices()).containsExactly(1, 0);
        Path other = Files.writeString(dir.resolve("data.txt"), "1,2\n");
        assertThatThrownBy(() -> Datasets.loadFile(other, CsvFormat.defaults(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown file kind");
        assertThatThrownBy(() -> Datasets.loadFile(dir.resolve("missing.csv"), CsvFormat.defaults(), null))
                .isInstanceOf(java.io.FileNotFoundException.class);
    }

    @Test
    void readSklearnCsv_checksHeaderCounts() {
        byte[] text = "3,2,a,b\n1,2,0\n3,4,1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Datasets.readSklearnCsv(new java.io.ByteArrayInputStream(text), "s.csv"))
                .isInstanceOf(MalformedDataException.class)
                .hasMessage("s.csv: header announces 3 rows of 2 features, found 2 rows of 2");
    }
}
