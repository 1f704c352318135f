package io.herald.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a test class using {@link KubeApiServerExtension}: give this class an API server
 * of its own, started before its first test and stopped after its last, for tests
 * that must see a cluster no other class has written to (e.g. a controller that
 * acts on every Service).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface KubeApiServerPerClass {}
