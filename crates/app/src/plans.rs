//! Identical plans shared between sessions: a server running thousands of sessions of one
//! routine for people with the same settings holds that plan once.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use limber_core::Plan;

/// Plans in use, by a fingerprint of their content. Holds them weakly: a plan no session uses
/// any more is dropped, and its entry is swept from time to time.
#[derive(Debug, Default)]
pub struct Plans {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_fingerprint: HashMap<u64, Vec<Weak<Plan>>>,
    added_since_sweep: usize,
}

/// Plans added between two sweeps of the entries whose plan is gone.
const SWEEP_EVERY: usize = 1024;

impl Plans {
    /// `plan`, or an equal plan already in use by another session.
    pub fn share(&self, plan: Plan) -> Arc<Plan> {
        let key = fingerprint(&plan);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let same =
            inner.by_fingerprint.get(&key).and_then(|held| held.iter().filter_map(Weak::upgrade).find(|p| **p == plan));
        if let Some(shared) = same {
            return shared;
        }
        let plan = Arc::new(plan);
        inner.by_fingerprint.entry(key).or_default().push(Arc::downgrade(&plan));
        inner.added_since_sweep += 1;
        if inner.added_since_sweep >= SWEEP_EVERY {
            inner.added_since_sweep = 0;
            inner.by_fingerprint.retain(|_, held| {
                held.retain(|p| p.strong_count() > 0);
                !held.is_empty()
            });
        }
        plan
    }

    /// How many distinct plans are held (some may be gone until the next sweep).
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).by_fingerprint.values().map(Vec::len).sum()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A hash of the plan's content (its JSON, fed to the hasher as it is written).
fn fingerprint(plan: &Plan) -> u64 {
    struct Feed<'a>(&'a mut DefaultHasher);
    impl std::io::Write for Feed<'_> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hasher = DefaultHasher::new();
    // Writing into a hasher cannot fail; were it to, every plan would share one bucket and be
    // told apart by equality alone.
    let _ = serde_json::to_writer(Feed(&mut hasher), plan);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use limber_core::{PlanOptions, RoutineId};

    use super::*;

    #[test]
    fn equal_plans_are_held_once_and_different_ones_apart() {
        let library = crate::load_library(None).unwrap();
        let plans = Plans::default();
        let resolve = |options: &PlanOptions| Plan::resolve(&library, &RoutineId::from("full"), options).unwrap();
        let a = plans.share(resolve(&PlanOptions::default()));
        let b = plans.share(resolve(&PlanOptions::default()));
        assert!(Arc::ptr_eq(&a, &b), "the same routine and settings give one shared plan");
        let longer = PlanOptions { hold_override: Some(45), ..PlanOptions::default() };
        let c = plans.share(resolve(&longer));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(c.items.iter().any(|i| i.choice.seconds == 45), "a different plan keeps its own content");
        assert_eq!(plans.len(), 2);
        let held = Arc::downgrade(&a);
        drop((a, b));
        assert!(held.upgrade().is_none(), "a plan no longer used is let go, not kept by the cache");
        let d = plans.share(resolve(&PlanOptions::default()));
        assert_eq!(*d, resolve(&PlanOptions::default()), "and made again when asked for");
    }
}
