package io.herald.common.kube;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Informer event handlers. */
public final class Handlers {
    private Handlers() {}

    /**
     * Calls {@code action} with the object on every add and delete, and on an update (the
     * new one) only if {@code changed} says the update matters; informers also deliver
     * resyncs and updates of fields nobody reads as updates.
     */
    public static <T extends KubernetesObject> ResourceEventHandler<T> onChange(BiPredicate<T, T> changed,
            Consumer<T> action) {
        return filtered(obj -> true, changed, action);
    }

    /**
     * Calls {@code action} with the object on an add or delete of a {@code relevant} one, and
     * on an update (the new one) when the object was or is relevant.
     */
    public static <T extends KubernetesObject> ResourceEventHandler<T> onRelevant(Predicate<T> relevant,
            Consumer<T> action) {
        return filtered(relevant, (before, after) -> relevant.test(before) || relevant.test(after), action);
    }

    /** Calls {@code action} with the object on every add, update (the new one) and delete. */
    public static <T extends KubernetesObject> ResourceEventHandler<T> onAnyChange(Consumer<T> action) {
        return filtered(obj -> true, (before, after) -> true, action);
    }

    /** Adds and deletes that pass {@code present}, updates that pass {@code changed}. */
    private static <T extends KubernetesObject> ResourceEventHandler<T> filtered(Predicate<T> present,
            BiPredicate<T, T> changed, Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                if (present.test(obj)) {
                    action.accept(obj);
                }
            }

            @Override
            public void onUpdate(T before, T after) {
                if (changed.test(before, after)) {
                    action.accept(after);
                }
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                if (present.test(obj)) {
                    action.accept(obj);
                }
            }
        };
    }
}
