/**
 * Leave-one-out validation of influence estimates: the {@link org.influence4j.validation.Retrainer} SPI,
 * the validation runner that follows the protocol of Koh &amp; Liang (2017) and Basu, Pope &amp; Feizi (2021),
 * and correlation statistics (Pearson, Spearman with ties, Kendall).
 */
package org.influence4j.validation;
