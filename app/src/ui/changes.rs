//! A signal that the signed-in person's items changed on this page (a completion or an undo), so
//! that what summarises them elsewhere (the header's counts) loads again.

use leptos::prelude::*;

/// Bumped after each completion or undo the server confirmed.
#[derive(Clone, Copy)]
pub struct ItemsChanged(pub RwSignal<u64>);

/// Makes the signal available to every page (once, at the app's root).
pub fn provide_items_changed() {
    provide_context(ItemsChanged(RwSignal::new(0)));
}

impl ItemsChanged {
    /// The app's signal, if the page is inside the app (read where the context is, not in a
    /// task that runs later).
    pub fn here() -> Option<ItemsChanged> {
        use_context::<ItemsChanged>()
    }

    /// Says the person's items changed.
    pub fn bump(self) {
        self.0.update(|v| *v += 1);
    }
}

/// The current version, tracked: read it in a resource's source to reload on a change.
pub fn items_version() -> u64 {
    use_context::<ItemsChanged>().map_or(0, |ItemsChanged(version)| version.get())
}
