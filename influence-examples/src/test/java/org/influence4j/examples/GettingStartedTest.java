package org.influence4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.influence4j.bench.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * docs/getting-started.md cannot rot: its program is this module's source byte for byte, its consumer pom declares
 * this module's dependencies, and the program (then the command-line tool on the files it saves) finds what the page
 * says it finds.
 */
class GettingStartedTest {

    private static final Path PAGE = Path.of("..", "docs", "getting-started.md");
    private static final Path SOURCE = Path.of("src", "main", "java", "org", "influence4j", "examples",
            "GettingStarted.java");

    /** The fenced block of {@code language} on the page that contains {@code marker}. */
    private static String block(String language, String marker) throws Exception {
        String page = Files.readString(PAGE, StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("```" + language + "\n(.*?\n)```\n", Pattern.DOTALL).matcher(page);
        while (m.find()) {
            if (m.group(1).contains(marker)) {
                return m.group(1);
            }
        }
        throw new AssertionError("no ```" + language + " block containing " + marker + " in " + PAGE);
    }

    @Test
    void page_showsTheProgram_byteForByte() throws Exception {
        String shown = block("java", "package org.influence4j.examples;");
        assertThat(shown.getBytes(StandardCharsets.UTF_8)).isEqualTo(Files.readAllBytes(SOURCE));
    }

    @Test
    void pagePom_declaresThisModulesDependencies_withTheBuildsVersions() throws Exception {
        Document page = xml(block("xml", "<project"));
        Document module = xml(Files.readString(Path.of("pom.xml")));
        String parent = Files.readString(Path.of("..", "pom.xml"));
        Set<String> shown = dependencies(page, false);
        Set<String> used = dependencies(module, true);
        assertThat(shown.stream().map(d -> d.substring(0, d.lastIndexOf(':'))).toList())
                .containsExactlyInAnyOrderElementsOf(used);
        String dl4j = property(parent, "dl4j.version");
        String slf4j = property(parent, "slf4j.version");
        assertThat(shown).containsExactlyInAnyOrder(
                "org.influence4j:influence-core::0.1.0-SNAPSHOT",
                "org.influence4j:influence-dl4j::0.1.0-SNAPSHOT",
                "org.nd4j:nd4j-native::" + dl4j,
                "org.nd4j:nd4j-native:linux-x86_64:" + dl4j,
                "org.deeplearning4j:deeplearning4j-nn::" + dl4j,
                "org.slf4j:slf4j-simple::" + slf4j);
        assertThat(module.getElementsByTagName("version").item(0).getTextContent()).isEqualTo("0.1.0-SNAPSHOT");
    }

    @Test
    void program_findsFlippedLabels_explainsAndAgreesWithLeaveOneOut_thenTheCliRunsOnItsFiles(@TempDir Path dir)
            throws Exception {
        long start = System.nanoTime();
        GettingStarted.Outcome o = GettingStarted.run(dir);
        double seconds = (System.nanoTime() - start) / 1e9;
        long found = Arrays.stream(o.suspects()).filter(i -> Arrays.stream(o.flipped()).anyMatch(f -> f == i)).count();
        System.out.printf("getting-started example: %.1f s, %d of %d flipped labels in the top %d, ‖∇R‖ = %.2e,"
                        + " leave-one-out %s (top-k %s)%n", seconds, found, o.flipped().length, o.suspects().length,
                o.objectiveGradientNorm(), o.validation().all(), o.validation().topK());

        // measured: all 6 flipped labels among the 10 most self-influential of 150 (a random top 10 holds 0.4)
        assertThat(found).isGreaterThanOrEqualTo(5);
        assertThat(Arrays.stream(o.helpfulScores()).boxed().toList()).allSatisfy(v -> assertThat(v).isFinite().isNegative());
        assertThat(Arrays.stream(o.helpful()).boxed().toList())
                .doesNotContainAnyElementsOf(Arrays.stream(o.harmful()).boxed().toList());
        assertThat(o.diagnostics().exactSpectrum()).isTrue();
        // measured: relative ‖∇R‖ 2.0e-3 (close to, not below, the 1e-3 stationarity threshold)
        assertThat(o.diagnostics().relativeGradientNorm()).isLessThan(1e-2);
        assertThat(o.diagnostics().minEigenvalue() + o.diagnostics().damping()).isPositive();
        // measured: Pearson 0.995, Spearman 0.986 over 15 retrained points
        assertThat(o.validation().all().count()).isEqualTo(15);
        assertThat(o.validation().all().pearson()).isGreaterThan(0.9);
        assertThat(o.validation().all().spearman()).isGreaterThan(0.8);

        // the page's CLI section, on the saved network and CSV files
        for (String f : new String[] {"my.zip", "train.csv", "test.csv"}) {
            assertThat(dir.resolve(f)).isRegularFile();
        }
        assertThat(Files.readAllLines(dir.resolve("train.csv"))).hasSize(150);
        String[] explain = {"explain", "--model", dir.resolve("my.zip").toString(),
            "--train", dir.resolve("train.csv").toString(), "--test", dir.resolve("test.csv").toString(),
            "--test-point", Integer.toString(o.testIndex()), "-k", "5", "--out", dir.resolve("explain").toString(),
            "--quiet"};
        assertThat(Main.run(explain)).isEqualTo(0);
        String csv = Files.readString(dir.resolve("explain").resolve("explain.csv"));
        assertThat(csv.lines().count()).isGreaterThan(5);
        // the same command again refuses to overwrite its results (exit code 2) unless --overwrite
        assertThat(Main.run(explain)).isEqualTo(2);
        String[] again = Arrays.copyOf(explain, explain.length + 1);
        again[explain.length] = "--overwrite";
        assertThat(Main.run(again)).isEqualTo(0);
    }

    private static Document xml(String text) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code group:artifact:classifier:version} (or without version) of the non-test dependencies. */
    private static Set<String> dependencies(Document pom, boolean withoutVersion) {
        Set<String> out = new TreeSet<>();
        NodeList deps = pom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            if ("test".equals(text(d, "scope"))) {
                continue;
            }
            String gac = text(d, "groupId") + ":" + text(d, "artifactId") + ":" + text(d, "classifier");
            out.add(withoutVersion ? gac : gac + ":" + text(d, "version"));
        }
        return out;
    }

    private static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
    }

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertThat(m.find()).as("property %s in the parent pom", name).isTrue();
        return m.group(1);
    }
}
