package io.busbar.hub;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The module and package rules of the design, checked on the compiled classes of every module. */
@AnalyzeClasses(packages = "io.busbar", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  /**
   * Verifies that verticle packages talk over the event bus only, never by importing each other.
   */
  @ArchTest
  static final ArchRule verticlePackagesAreIndependent =
      slices().matching("io.busbar.verticles.(*)..").should().notDependOnEachOther();

  /** Verifies that the load generator and simulator never reach into the broker's internals. */
  @ArchTest
  static final ArchRule perfUsesOnlyCodecsAndClients =
      noClasses()
          .that()
          .resideInAPackage("io.busbar.perf..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.busbar.verticles..", "io.busbar.security..", "io.busbar.hub..");

  /** Verifies that codecs and security stay below the verticles and the hub. */
  @ArchTest
  static final ArchRule lowerModulesDoNotReachUp =
      noClasses()
          .that()
          .resideInAnyPackage("io.busbar.codecs..", "io.busbar.security..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.busbar.verticles..", "io.busbar.hub..");
}
