package dev.loupe.export;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProjectExportTest {

    @Test
    void classNamesBecomePortableVisibleFolderNames() {
        assertThat(ProjectExport.safeFolderName("cat")).isEqualTo("cat");
        assertThat(ProjectExport.safeFolderName("dog, big")).isEqualTo("dog, big");
        assertThat(ProjectExport.safeFolderName("bird/raptor")).isEqualTo("bird_raptor");
        assertThat(ProjectExport.safeFolderName("a\\b:c*d?e\"f<g>h|i")).isEqualTo("a_b_c_d_e_f_g_h_i");
        assertThat(ProjectExport.safeFolderName(".hidden")).isEqualTo("hidden");
        assertThat(ProjectExport.safeFolderName("..")).isEqualTo("_");
        assertThat(ProjectExport.safeFolderName("ends with dot.")).isEqualTo("ends with dot");
        assertThat(ProjectExport.safeFolderName("con")).isEqualTo("con_");
        assertThat(ProjectExport.safeFolderName("LPT1.txt")).isEqualTo("LPT1.txt_");
        assertThat(ProjectExport.safeFolderName("chats é")).isEqualTo("chats é");
        assertThat(ProjectExport.safeFolderName("x".repeat(300))).hasSize(120);
    }

    @Test
    void clashingNamesGetNumberedBeforeTheExtensionIgnoringCase() {
        Set<String> used = new HashSet<>();
        assertThat(ProjectExport.unique("img.png", used)).isEqualTo("img.png");
        assertThat(ProjectExport.unique("IMG.png", used)).isEqualTo("IMG-2.png");
        assertThat(ProjectExport.unique("img.png", used)).isEqualTo("img-3.png");
        assertThat(ProjectExport.unique("noext", used)).isEqualTo("noext");
        assertThat(ProjectExport.unique("noext", used)).isEqualTo("noext-2");
    }

    @Test
    void csvFieldsAreQuotedOnlyWhenTheyMustBe() {
        assertThat(ProjectExport.csvField("/a/b.png")).isEqualTo("/a/b.png");
        assertThat(ProjectExport.csvField("a,b")).isEqualTo("\"a,b\"");
        assertThat(ProjectExport.csvField("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(ProjectExport.csvField("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(ProjectExport.csvField("cr\rhere")).isEqualTo("\"cr\rhere\"");
    }
}
