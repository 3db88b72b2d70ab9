//! Per-account throttling, as AWS throttles API calls: a token bucket per account, Region and class
//! of operation (reading or changing). A call over its bucket's rate is refused before it runs with
//! the service's throttling error (RAM: `ThrottlingException`, HTTP 429), which the AWS SDKs retry
//! by themselves. AWS publishes no rates for RAM; the defaults are ramd's choice (README).
//! Buckets live in each replica's memory: behind several replicas an account gets their sum.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ram_model::{ApiError, api_error};

/// A bucket's steady rate and its size (the burst it allows after a quiet spell).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    /// The default for calls that only read: 100 a second, bursts of 200.
    pub const READS: Rate = Rate::new(100, 200);
    /// The default for calls that change something: 20 a second, bursts of 40.
    pub const WRITES: Rate = Rate::new(20, 40);

    pub const fn new(per_second: u32, burst: u32) -> Rate {
        match (NonZeroU32::new(per_second), NonZeroU32::new(burst)) {
            (Some(per_second), Some(burst)) => Rate { per_second, burst },
            _ => panic!("a rate and a burst are positive"),
        }
    }
}

/// `RATE:BURST`, as the flags take it.
impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.per_second, self.burst)
    }
}

/// `RATE` or `RATE:BURST`, requests per second; the burst defaults to twice the rate.
impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Rate, String> {
        let positive = |v: &str| {
            v.trim()
                .parse::<NonZeroU32>()
                .map_err(|_| format!("{s:?} is not RATE or RATE:BURST with positive whole numbers"))
        };
        let (per_second, burst) = if let Some((rate, burst)) = s.split_once(':') {
            (positive(rate)?, positive(burst)?)
        } else {
            let rate = positive(s)?;
            (rate, rate.saturating_mul(NonZeroU32::MIN.saturating_add(1)))
        };
        Ok(Rate { per_second, burst })
    }
}

/// Which bucket a call draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Read,
    Write,
}

impl Class {
    /// By the operation's name, as AWS names its read-only calls (`Get…`, `List…`, `Describe…`,
    /// CloudTrail's `LookupEvents`; ramd's `CheckAccess` decides without changing anything).
    pub fn of(operation: &str) -> Class {
        const READING: [&str; 5] = ["Get", "List", "Describe", "Lookup", "CheckAccess"];
        if READING.iter().any(|p| operation.starts_with(p)) {
            Class::Read
        } else {
            Class::Write
        }
    }
}

type Limiter<K> = DefaultKeyedRateLimiter<K>;

/// The buckets of every account, Region and class this replica has seen.
pub struct Throttle {
    reads: Limiter<(String, String)>,
    writes: Limiter<(String, String)>,
    refused: AtomicU64,
}

impl Throttle {
    pub fn new(reads: Rate, writes: Rate) -> Throttle {
        let quota = |r: Rate| Quota::per_second(r.per_second).allow_burst(r.burst);
        Throttle {
            reads: RateLimiter::keyed(quota(reads)),
            writes: RateLimiter::keyed(quota(writes)),
            refused: AtomicU64::new(0),
        }
    }

    /// Takes a token from the caller's bucket for `operation`, or refuses the call.
    pub fn admit(&self, account: &str, region: &str, operation: &str) -> Result<(), ApiError> {
        let limiter = match Class::of(operation) {
            Class::Read => &self.reads,
            Class::Write => &self.writes,
        };
        limiter
            .check_key(&(account.to_owned(), region.to_owned()))
            .map_err(|_| {
                self.refused.fetch_add(1, Ordering::Relaxed);
                api_error!(ThrottlingException, "Rate exceeded.")
            })
    }

    /// How many calls have been refused since the start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Drops the buckets that have refilled (an idle account costs nothing), so memory follows
    /// the accounts active lately, not every account ever seen.
    pub fn forget_idle(&self) {
        for limiter in [&self.reads, &self.writes] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many buckets are held.
    pub fn buckets(&self) -> usize {
        self.reads.len() + self.writes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ram_model::ErrorCode;

    #[test]
    fn reads_and_writes_have_their_own_buckets_per_account_and_region() {
        let t = Throttle::new(Rate::new(1, 2), Rate::new(1, 1));
        let admit = |account, region, op| t.admit(account, region, op).map_err(|e| e.code);
        assert_eq!(
            admit("111111111111", "us-east-1", "CreateResourceShare"),
            Ok(())
        );
        assert_eq!(
            admit("111111111111", "us-east-1", "CreateResourceShare"),
            Err(ErrorCode::ThrottlingException)
        );
        // Reads are still allowed, and so are other accounts and Regions.
        assert_eq!(
            admit("111111111111", "us-east-1", "GetResourceShares"),
            Ok(())
        );
        assert_eq!(admit("111111111111", "us-east-1", "ListResources"), Ok(()));
        assert_eq!(
            admit("111111111111", "us-east-1", "ListPrincipals"),
            Err(ErrorCode::ThrottlingException)
        );
        assert_eq!(
            admit("222222222222", "us-east-1", "CreateResourceShare"),
            Ok(())
        );
        assert_eq!(
            admit("111111111111", "eu-west-1", "CreateResourceShare"),
            Ok(())
        );
        assert_eq!(t.buckets(), 4);
    }

    #[test]
    fn a_rate_is_read_with_or_without_its_burst() {
        assert_eq!("20".parse::<Rate>(), Ok(Rate::new(20, 40)));
        assert_eq!("5:7".parse::<Rate>(), Ok(Rate::new(5, 7)));
        assert_eq!(Rate::READS.to_string().parse::<Rate>(), Ok(Rate::READS));
        for bad in ["0", "x", "5:0", "-1", "5:", ""] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn operations_are_classed_by_their_names() {
        for op in [
            "GetResourceShares",
            "ListPermissions",
            "DescribeOrganization",
            "CheckAccess",
        ] {
            assert_eq!(Class::of(op), Class::Read, "{op}");
        }
        for op in [
            "CreateResourceShare",
            "AcceptResourceShareInvitation",
            "TagResource",
            "PutResourcePolicy",
        ] {
            assert_eq!(Class::of(op), Class::Write, "{op}");
        }
    }
}
