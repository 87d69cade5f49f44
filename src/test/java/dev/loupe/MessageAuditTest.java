package dev.loupe;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.loupe.backbone.BackboneException;
import dev.loupe.importing.ImageDecodeException;
import dev.loupe.training.TrainingDivergedException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The audit behind "no message ends in null" (docs/adr/0025-faults.md): the JDK's and libraries' exceptions often have
 * no message (an EOFException, a NullPointerException) or SQLite's raw text, so only {@link Faults} reads their
 * {@code getMessage()}; everything else writes {@link Faults#describe}. Loupe's own exceptions always carry a message.
 */
class MessageAuditTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.loupe");

    /** Exceptions whose message Loupe writes itself, for the user, and never leaves null. */
    private static final List<Class<?>> OWN = List.of(LoupeException.class, BackboneException.class,
            ImageDecodeException.class, TrainingDivergedException.class);

    @Test
    void onlyFaultsReadsTheMessageOfAnExceptionLoupeDidNotWrite() {
        DescribedPredicate<JavaCall<?>> foreignGetMessage = new DescribedPredicate<>("getMessage() of an exception Loupe did not write") {
            @Override
            public boolean test(JavaCall<?> call) {
                JavaClass owner = call.getTargetOwner();
                return (call.getName().equals("getMessage") || call.getName().equals("getLocalizedMessage"))
                        && owner.isAssignableTo(Throwable.class)
                        && OWN.stream().noneMatch(owner::isAssignableTo);
            }
        };
        noClasses().that().doNotBelongToAnyOf(Faults.class)
                .should().callMethodWhere(foreignGetMessage)
                .because("a foreign exception's message may be null or a library's raw text: use Faults.describe(e)")
                .check(MAIN);
    }
}
