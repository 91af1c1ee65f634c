package org.influence4j.bench.data;

import java.util.Objects;

/**
 * A training set and a test set over the same classes and features.
 *
 * @param train the training examples
 * @param test  the test examples
 */
public record TrainTestData(ClassificationData train, ClassificationData test) {

    /** Checks that both sets have the same class names and number of features. */
    public TrainTestData {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException("train classes " + train.classNames() + " differ from test classes "
                    + test.classNames());
        }
        if (train.numFeatures() != test.numFeatures()) {
            throw new IllegalArgumentException("train has " + train.numFeatures() + " features but test has "
                    + test.numFeatures());
        }
    }

    /** The class names shared by both sets. */
    public java.util.List<String> classNames() {
        return train.classNames();
    }

    /**
     * Standardises both sets with the training set's statistics only (so nothing about the test set leaks into
     * training): see {@link Standardizer#fit}.
     *
     * @return new sets with fresh feature arrays; this object is not modified
     */
    public TrainTestData standardized() {
        Standardizer s = Standardizer.fit(train.data().getFeatures());
        return new TrainTestData(s.apply(train), s.apply(test));
    }

    @Override
    public String toString() {
        return "TrainTestData[train=" + train + ", test=" + test + "]";
    }
}
