package dev.loupe;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Keeps the core free of JavaFX (only ..ui.. packages and the app package may touch the toolkit) and the backbones free of projects. */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.loupe");

    @Test
    void coreDoesNotDependOnJavaFx() {
        noClasses().that().resideOutsideOfPackages("..ui..", "dev.loupe.app..")
                .should().dependOnClassesThat().resideInAnyPackage("javafx..", "org.controlsfx..")
                .because("the core must run and be tested without a display (docs/adr/0001)")
                .check(MAIN);
    }

    @Test
    void backbonesKnowNothingOfProjects() {
        noClasses().that().resideInAPackage("dev.loupe.backbone..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.loupe.project..", "dev.loupe.training..",
                        "dev.loupe.labelling..")
                .because("a backbone turns images into embeddings; the project store is the importer's business"
                        + " (docs/adr/0001)")
                .check(MAIN);
    }
}
