package io.herald.common.kube;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import java.util.function.Consumer;

/** Informer event handlers. */
public final class Handlers {
    private Handlers() {}

    /** Calls {@code action} with the object on every add, update (the new one) and delete. */
    public static <T extends KubernetesObject> ResourceEventHandler<T> onAnyChange(Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                action.accept(obj);
            }

            @Override
            public void onUpdate(T before, T after) {
                action.accept(after);
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                action.accept(obj);
            }
        };
    }
}
