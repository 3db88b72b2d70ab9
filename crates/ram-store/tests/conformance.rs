//! The store conformance suite: every backend runs the same checks. SQLite always runs;
//! PostgreSQL runs when `RAMD_TEST_DATABASE_URL` names a database (the suite owns its tables).

use ram_model::iam::DeletionTaskStatusType;
use ram_model::organizations::{
    AccountJoinedMethod, ActionType, CreateAccountState, HandshakePartyType, HandshakeState,
    OrganizationFeatureSet, ParentType,
};
use ram_model::{
    ResourceShareAssociationStatus as AssociationStatus,
    ResourceShareAssociationType as AssociationType, ResourceShareFeatureSet,
    ResourceShareInvitationStatus as InvitationStatus, ResourceShareStatus as ShareStatus,
};
use ram_store::{
    AccessKeyRecord, AccountRecord, AssociationFilter, IdempotencyRecord, InvitationFilter,
    Lifecycle, NewAssociation, NewInvitation, NewShare, Scope, ShareFilter, ShareHolds, States,
    Store, StoreError, Tag,
};

const OWNER: &str = "111111111111";
const OTHER: &str = "222222222222";
const REGION: &str = "us-east-1";

/// Tests share one PostgreSQL database, so they take turns on it; each SQLite store is its own.
static POSTGRES_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

type Backend = (String, Store, Option<tempfile::TempDir>);

async fn backends() -> (Vec<Backend>, Option<tokio::sync::MutexGuard<'static, ()>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(
        "sqlite".to_owned(),
        Store::open_dir(dir.path()).await.unwrap(),
        Some(dir),
    )];
    let mut turn = None;
    let url = std::env::var("RAMD_TEST_DATABASE_URL").ok();
    if url.is_none() {
        // The test command always provides a database; anywhere else, say so rather than
        // passing quietly on half the backends.
        assert!(
            std::env::var_os("RAMD_REQUIRE_POSTGRES").is_none(),
            "RAMD_REQUIRE_POSTGRES is set but RAMD_TEST_DATABASE_URL is not: the PostgreSQL half cannot run"
        );
        eprintln!(
            "\n*** store conformance: PostgreSQL SKIPPED (RAMD_TEST_DATABASE_URL is not set); only SQLite was tested ***\n"
        );
    }
    if let Some(url) = url {
        turn = Some(POSTGRES_TURN.lock().await);
        let store = Store::open(&url).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.reset().await.unwrap();
        tx.commit().await.unwrap();
        out.push(("postgres".to_owned(), store, None));
    }
    (out, turn)
}

fn share(n: usize, owner: &str, created_ms: i64) -> NewShare {
    NewShare {
        arn: format!("arn:aws:ram:{REGION}:{owner}:resource-share/{n:08}"),
        owner_account: owner.into(),
        region: REGION.into(),
        name: format!("share-{}", n % 3),
        allow_external: true,
        feature_set: ResourceShareFeatureSet::Standard,
        retain_on_leave: None,
        lifecycle: Lifecycle::now(ShareStatus::Active),
        created_ms,
    }
}

fn principal(
    share_arn: &str,
    entity: &str,
    lifecycle: Lifecycle<AssociationStatus>,
    now_ms: i64,
) -> NewAssociation {
    NewAssociation {
        share_arn: share_arn.into(),
        association_type: AssociationType::Principal,
        entity: entity.into(),
        owner_account: OWNER.into(),
        region: REGION.into(),
        entity_account: Some(entity.into()),
        resource_type: None,
        external: true,
        lifecycle,
        status_message: None,
        now_ms,
    }
}

/// The domain's rules, spelled out: what is live.
fn live_shares() -> States<ShareStatus> {
    States::except(&[ShareStatus::Deleting, ShareStatus::Deleted])
}

fn live_associations() -> States<AssociationStatus> {
    States::except(&[AssociationStatus::Disassociated, AssociationStatus::Failed])
}

#[tokio::test]
async fn shares_lifecycle_filters_and_keyset_pages() {
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        let mut tx = store.begin().await.unwrap();
        for n in 0..7 {
            tx.insert_share(&share(n, OWNER, 1000 + i64::try_from(n / 2).unwrap()))
                .await
                .unwrap();
        }
        tx.insert_share(&share(99, OTHER, 1000)).await.unwrap();
        tx.put_share_tags(
            &share(1, OWNER, 0).arn,
            &[Tag {
                key: "env".into(),
                value: "prod".into(),
            }],
        )
        .await
        .unwrap();
        tx.put_share_tags(
            &share(2, OWNER, 0).arn,
            &[Tag {
                key: "env".into(),
                value: "dev".into(),
            }],
        )
        .await
        .unwrap();
        tx.put_share_tags(
            &share(2, OWNER, 0).arn,
            &[Tag {
                key: "env".into(),
                value: "test".into(),
            }],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Keyset pages of 2 return every share exactly once, in (created, arn) order.
        let owner = Scope::Owner(OWNER.into());
        let mut tx = store.read().await.unwrap();
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = tx
                .list_shares(
                    &owner,
                    REGION,
                    &ShareFilter::default(),
                    after.as_ref(),
                    2,
                    5000,
                )
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|s| s.arn.clone()));
            if !page.more {
                break;
            }
            let last = page.items.last().unwrap();
            after = Some((last.created_ms, last.arn.clone()));
        }
        let mut expected: Vec<String> = (0..7).map(|n| share(n, OWNER, 0).arn).collect();
        expected.sort();
        assert_eq!(seen, expected, "{name}");

        let by_name = ShareFilter {
            name: Some("share-1".into()),
            ..ShareFilter::default()
        };
        assert_eq!(
            tx.list_shares(&owner, REGION, &by_name, None, 100, 5000)
                .await
                .unwrap()
                .items
                .len(),
            2,
            "{name}"
        );
        let by_tag = ShareFilter {
            tag_filters: vec![("env".into(), vec!["prod".into(), "test".into()])],
            ..ShareFilter::default()
        };
        assert_eq!(
            tx.list_shares(&owner, REGION, &by_tag, None, 100, 5000)
                .await
                .unwrap()
                .items
                .len(),
            2,
            "{name}"
        );
        let any_value = ShareFilter {
            tag_filters: vec![("env".into(), vec![])],
            ..ShareFilter::default()
        };
        assert_eq!(
            tx.list_shares(&owner, REGION, &any_value, None, 100, 5000)
                .await
                .unwrap()
                .items
                .len(),
            2,
            "{name}"
        );
        let tags = tx.share_tags(&[share(2, OWNER, 0).arn]).await.unwrap();
        assert_eq!(
            tags.len(),
            1,
            "{name}: a tag key is replaced, not duplicated"
        );
        assert_eq!(tags[0].1.value, "test");
        let other_region = tx
            .list_shares(
                &owner,
                "eu-west-1",
                &ShareFilter::default(),
                None,
                100,
                5000,
            )
            .await
            .unwrap();
        assert!(other_region.items.is_empty(), "{name}");
        tx.commit().await.unwrap();

        // An update changes only what it is given (and always the update time).
        let arn = share(6, OWNER, 0).arn;
        for (new_name, allow, at, expect_name, expect_allow) in [
            (None, None, 5100, "share-0", true),
            (Some("renamed"), None, 5200, "renamed", true),
            (None, Some(false), 5300, "renamed", false),
            (Some("share-0"), Some(true), 5400, "share-0", true),
        ] {
            let mut tx = store.begin().await.unwrap();
            tx.update_share(&arn, new_name, allow, at).await.unwrap();
            tx.commit().await.unwrap();
            let mut tx = store.read().await.unwrap();
            let s = tx.get_share(&arn, 5000).await.unwrap().unwrap();
            tx.commit().await.unwrap();
            assert_eq!(
                (s.name.as_str(), s.allow_external, s.updated_ms),
                (expect_name, expect_allow, at),
                "{name}"
            );
        }

        // Derived status: DELETING until 6000, DELETED after, invisible from 9000.
        let arn = share(0, OWNER, 0).arn;
        let mut tx = store.begin().await.unwrap();
        tx.set_share_lifecycle(
            &arn,
            &Lifecycle::until(ShareStatus::Deleting, 6000, ShareStatus::Deleted, 5000),
            Some(9000),
            5000,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.get_share(&arn, 5500).await.unwrap().unwrap().status,
            ShareStatus::Deleting,
            "{name}"
        );
        assert_eq!(
            tx.get_share(&arn, 6000).await.unwrap().unwrap().status,
            ShareStatus::Deleted,
            "{name}"
        );
        let deleted = ShareFilter {
            statuses: States::only(&[ShareStatus::Deleted]),
            ..ShareFilter::default()
        };
        assert_eq!(
            tx.list_shares(&owner, REGION, &deleted, None, 10, 7000)
                .await
                .unwrap()
                .items
                .len(),
            1,
            "{name}"
        );
        assert!(tx.get_share(&arn, 9000).await.unwrap().is_none(), "{name}");
        assert_eq!(
            tx.count_shares(OWNER, REGION, &live_shares(), 7000)
                .await
                .unwrap(),
            6,
            "{name}"
        );
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn associations_receivers_and_invitations() {
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        let s = share(1, OWNER, 100);
        let mut tx = store.begin().await.unwrap();
        tx.insert_share(&s).await.unwrap();
        // Pending invitation: ASSOCIATING until accepted, DISASSOCIATED at expiry (10_000).
        tx.upsert_association(&principal(
            &s.arn,
            OTHER,
            Lifecycle::until(
                AssociationStatus::Associating,
                10_000,
                AssociationStatus::Disassociated,
                100,
            ),
            100,
        ))
        .await
        .unwrap();
        tx.upsert_association(&NewAssociation {
            association_type: AssociationType::Resource,
            entity: "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-1".into(),
            entity_account: None,
            resource_type: Some("ec2:TransitGateway".into()),
            external: false,
            ..principal(
                &s.arn,
                "x",
                Lifecycle::now(AssociationStatus::Associated),
                100,
            )
        })
        .await
        .unwrap();
        tx.insert_invitation(&NewInvitation {
            arn: "arn:aws:ram:us-east-1:111111111111:resource-share-invitation/i1".into(),
            share_arn: s.arn.clone(),
            principal: OTHER.into(),
            sender_account: OWNER.into(),
            receiver_account: OTHER.into(),
            receiver_arn: None,
            region: REGION.into(),
            lifecycle: Lifecycle::until(
                InvitationStatus::Pending,
                10_000,
                InvitationStatus::Expired,
                100,
            ),
            created_ms: 100,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let receiver = Scope::Receiver {
            reach: ram_store::Reach::account(OTHER),
            granting: States::only(&[AssociationStatus::Associated]),
        };
        let mut tx = store.begin().await.unwrap();
        assert!(
            tx.list_shares(&receiver, REGION, &ShareFilter::default(), None, 10, 200)
                .await
                .unwrap()
                .items
                .is_empty(),
            "{name}"
        );
        let mine = InvitationFilter::default();
        let invitations = tx
            .list_invitations(OTHER, REGION, &mine, None, 10, 200)
            .await
            .unwrap();
        assert_eq!(
            invitations.items[0].status,
            InvitationStatus::Pending,
            "{name}"
        );
        assert_eq!(
            tx.list_invitations(OTHER, REGION, &mine, None, 10, 10_000)
                .await
                .unwrap()
                .items[0]
                .status,
            InvitationStatus::Expired
        );
        assert_eq!(
            tx.count_sent_invitations(
                OWNER,
                REGION,
                &States::only(&[InvitationStatus::Pending]),
                200
            )
            .await
            .unwrap(),
            1,
            "{name}"
        );
        let assoc = tx
            .get_association(&s.arn, AssociationType::Principal, OTHER, 10_001)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(assoc.status, AssociationStatus::Disassociated, "{name}");
        tx.commit().await.unwrap();

        // Acceptance: the receiver now sees the share and its resource.
        let mut tx = store.begin().await.unwrap();
        tx.set_association_lifecycle(
            &s.arn,
            AssociationType::Principal,
            OTHER,
            &Lifecycle::now(AssociationStatus::Associated),
            None,
            300,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.list_shares(&receiver, REGION, &ShareFilter::default(), None, 10, 400)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        let resources = AssociationFilter {
            association_type: Some(AssociationType::Resource),
            ..AssociationFilter::default()
        };
        assert_eq!(
            tx.list_associations(&receiver, REGION, &resources, None, 10, 400)
                .await
                .unwrap()
                .items
                .len(),
            1,
            "{name}"
        );
        let held = AssociationFilter {
            association_type: Some(AssociationType::Principal),
            share_holds: Some(ShareHolds {
                association_type: AssociationType::Resource,
                entity: None,
                resource_type: Some("ec2:TransitGateway".into()),
                statuses: live_associations(),
            }),
            ..AssociationFilter::default()
        };
        assert_eq!(
            tx.list_associations(&Scope::Owner(OWNER.into()), REGION, &held, None, 10, 400)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        let none_held = AssociationFilter {
            share_holds: Some(ShareHolds {
                association_type: AssociationType::Resource,
                entity: None,
                resource_type: Some("ec2:Subnet".into()),
                statuses: live_associations(),
            }),
            ..held
        };
        assert!(
            tx.list_associations(
                &Scope::Owner(OWNER.into()),
                REGION,
                &none_held,
                None,
                10,
                400
            )
            .await
            .unwrap()
            .items
            .is_empty()
        );
        assert_eq!(
            tx.count_associations(OWNER, AssociationType::Resource, &live_associations(), 400,)
                .await
                .unwrap(),
            1,
            "{name}"
        );
        tx.commit().await.unwrap();

        // Re-adding a disassociated entity starts it afresh.
        let mut tx = store.begin().await.unwrap();
        tx.set_association_lifecycle(
            &s.arn,
            AssociationType::Principal,
            OTHER,
            &Lifecycle::now(AssociationStatus::Disassociated),
            None,
            500,
        )
        .await
        .unwrap();
        tx.upsert_association(&principal(
            &s.arn,
            OTHER,
            Lifecycle::now(AssociationStatus::Associated),
            600,
        ))
        .await
        .unwrap();
        let again = tx
            .get_association(&s.arn, AssociationType::Principal, OTHER, 700)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.status, again.created_ms),
            (AssociationStatus::Associated, 600),
            "{name}"
        );
        tx.commit().await.unwrap();
    }
}

/// Every page of a receiver's listing, with `limit` rows a page, followed by its cursor.
async fn receiver_pages<T>(
    mut page: impl AsyncFnMut(Option<&(i64, String)>) -> ram_store::Page<T>,
    key: impl Fn(&T) -> String,
) -> Vec<String> {
    let mut keys = Vec::new();
    let mut after: Option<(i64, String)> = None;
    loop {
        let p = page(after.as_ref()).await;
        keys.extend(p.items.iter().map(&key));
        if !p.more {
            return keys;
        }
        after = Some((0, keys.last().unwrap().clone()));
    }
}

#[tokio::test]
async fn a_receiver_pages_through_every_share_reaching_it_once_in_arn_order() {
    const THIRD: &str = "333333333333";
    const OU: &str = "arn:aws:organizations::111111111111:ou/o-abc/ou-1";
    const ORG: &str = "arn:aws:organizations::111111111111:organization/o-abc";
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        // Shares of three owners reach OTHER as itself, as one of its roles, through its OU or
        // its organization, or several of these at once; some do not grant (yet), and OTHER's
        // own shares reach it through its organization.
        let mut expected_shares = Vec::new();
        let mut expected_resources = Vec::new();
        let mut tx = store.begin().await.unwrap();
        for n in 0..90 {
            let owner = [OWNER, THIRD, OTHER][n % 3];
            let new = share(n, owner, 1000 + i64::try_from(n).unwrap());
            tx.insert_share(&new).await.unwrap();
            let arn = new.arn.clone();
            let ways: &[&str] = match n % 5 {
                0 => &[OTHER],
                1 => &[OU],
                2 => &[ORG, OTHER],
                3 => &["arn:aws:iam::222222222222:role/r", OTHER, OU],
                _ => &["444444444444"],
            };
            let granting = n % 7 != 0;
            for entity in ways {
                let mut a = principal(
                    &arn,
                    entity,
                    Lifecycle::now(if granting {
                        AssociationStatus::Associated
                    } else {
                        AssociationStatus::Associating
                    }),
                    1000,
                );
                a.owner_account = owner.into();
                a.entity_account = if entity.starts_with("arn:aws:organizations") {
                    None
                } else if entity.starts_with("arn:aws:iam") {
                    Some(OTHER.into())
                } else {
                    Some((*entity).into())
                };
                tx.upsert_association(&a).await.unwrap();
            }
            // Only even shares hold resources: the listing of resources skips the others.
            for r in 0..(2 - n % 2 * 2) {
                let resource = format!("arn:aws:ec2:{REGION}:{owner}:transit-gateway/tgw-{n}-{r}");
                tx.upsert_association(&NewAssociation {
                    association_type: AssociationType::Resource,
                    entity_account: None,
                    resource_type: Some("ec2:TransitGateway".into()),
                    ..principal(
                        &arn,
                        &resource,
                        Lifecycle::now(AssociationStatus::Associated),
                        1000,
                    )
                })
                .await
                .unwrap();
                if granting && owner != OTHER && n % 5 != 4 {
                    expected_resources.push(format!("{arn} RESOURCE {resource}"));
                }
            }
            if granting && owner != OTHER && n % 5 != 4 {
                expected_shares.push(arn);
            }
        }
        tx.commit().await.unwrap();
        expected_shares.sort();
        expected_resources.sort();
        assert!(expected_shares.len() > 30, "{name}");

        let receiver = Scope::Receiver {
            reach: ram_store::Reach {
                account: OTHER.into(),
                entities: vec![OU.into(), ORG.into()],
            },
            granting: States::only(&[AssociationStatus::Associated]),
        };
        let resources = AssociationFilter {
            association_type: Some(AssociationType::Resource),
            ..AssociationFilter::default()
        };
        let mut tx = store.read().await.unwrap();
        for limit in [1, 3, 7, 100] {
            let shares = receiver_pages(
                async |after| {
                    tx.list_shares(
                        &receiver,
                        REGION,
                        &ShareFilter::default(),
                        after,
                        limit,
                        2000,
                    )
                    .await
                    .unwrap()
                },
                |s| s.arn.clone(),
            )
            .await;
            assert_eq!(shares, expected_shares, "{name}: shares, {limit} a page");
            let listed = receiver_pages(
                async |after| {
                    tx.list_associations(&receiver, REGION, &resources, after, limit, 2000)
                        .await
                        .unwrap()
                },
                ram_store::association_key,
            )
            .await;
            assert_eq!(
                listed, expected_resources,
                "{name}: resources, {limit} a page"
            );
        }
        // Named shares are tested one by one: only those reaching the receiver come back.
        let named = ShareFilter {
            arns: vec![
                expected_shares[0].clone(),
                share(4, OWNER, 0).arn,
                share(2, OTHER, 0).arn,
                expected_shares[5].clone(),
            ],
            ..ShareFilter::default()
        };
        let found: Vec<String> = tx
            .list_shares(&receiver, REGION, &named, None, 10, 2000)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.arn)
            .collect();
        assert_eq!(
            found,
            vec![expected_shares[0].clone(), expected_shares[5].clone()],
            "{name}"
        );
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn idempotency_accounts_settings_and_reset() {
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        let mut tx = store.begin().await.unwrap();
        assert!(
            tx.insert_account(&AccountRecord {
                account_id: OWNER.into(),
                name: "a".into(),
                created_ms: 1
            })
            .await
            .unwrap()
        );
        assert!(
            !tx.insert_account(&AccountRecord {
                account_id: OWNER.into(),
                name: "b".into(),
                created_ms: 2
            })
            .await
            .unwrap()
        );
        tx.insert_access_key(&AccessKeyRecord {
            access_key_id: "AKIA1".into(),
            secret_access_key: "s".into(),
            account_id: OWNER.into(),
            principal_arn: None,
            created_ms: 1,
            active: true,
        })
        .await
        .unwrap();
        let record = IdempotencyRecord {
            request_hash: "h".into(),
            response: "{}".into(),
        };
        tx.put_idempotency(OWNER, REGION, "CreateResourceShare", "t", &record, 1)
            .await
            .unwrap();
        assert_eq!(tx.init_setting("k", "first").await.unwrap(), "first");
        assert_eq!(
            tx.init_setting("k", "second").await.unwrap(),
            "first",
            "{name}: a setting is set once"
        );
        tx.commit().await.unwrap();

        // A second record under the same token is a conflict the domain must see, not a silent overwrite.
        let mut tx = store.begin().await.unwrap();
        let dup = tx
            .put_idempotency(OWNER, REGION, "CreateResourceShare", "t", &record, 2)
            .await;
        assert!(
            matches!(dup, Err(StoreError::Other(_) | StoreError::Conflict(_))),
            "{name}"
        );
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.get_access_key("AKIA1")
                .await
                .unwrap()
                .unwrap()
                .account_id,
            OWNER
        );
        // A key is deactivated and reactivated, its secret replaced, then deleted.
        assert!(tx.set_access_key_active("AKIA1", false).await.unwrap());
        assert!(!tx.set_access_key_active("AKIA-none", false).await.unwrap());
        tx.set_access_key_secret("AKIA1", "sealed").await.unwrap();
        let listed = tx.list_access_keys(Some(OWNER)).await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|k| (
                    k.access_key_id.as_str(),
                    k.active,
                    k.secret_access_key.as_str()
                ))
                .collect::<Vec<_>>(),
            vec![("AKIA1", false, "sealed")],
            "{name}"
        );
        assert!(tx.list_access_keys(Some(OTHER)).await.unwrap().is_empty());
        assert_eq!(tx.list_access_keys(None).await.unwrap().len(), 1);
        assert!(tx.set_access_key_active("AKIA1", true).await.unwrap());
        assert!(tx.get_access_key("AKIA1").await.unwrap().unwrap().active);
        assert!(tx.delete_access_key("AKIA1").await.unwrap());
        assert!(!tx.delete_access_key("AKIA1").await.unwrap());
        assert!(tx.get_access_key("AKIA1").await.unwrap().is_none());
        assert!(
            tx.get_idempotency(OWNER, REGION, "CreateResourceShare", "t")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            tx.get_idempotency(OWNER, "eu-west-1", "CreateResourceShare", "t")
                .await
                .unwrap()
                .is_none()
        );
        tx.reset().await.unwrap();
        assert_eq!(tx.count_accounts().await.unwrap(), 0, "{name}");
        assert_eq!(
            tx.get_setting("k").await.unwrap().as_deref(),
            Some("first"),
            "{name}: reset keeps settings"
        );
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn reopening_keeps_data_and_migrations_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_dir(dir.path()).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.insert_share(&share(5, OWNER, 10)).await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    let store = Store::open_dir(dir.path()).await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert!(
        tx.get_share(&share(5, OWNER, 0).arn, 20)
            .await
            .unwrap()
            .is_some()
    );
    tx.commit().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Organizations and IAM (migration 2)
// ---------------------------------------------------------------------------------------------

const ORG: &str = "o-abcdef1234";
const ROOT: &str = "r-ab12";

fn org_unit(
    id: &str,
    parent: Option<&str>,
    depth: i64,
    created_ms: i64,
) -> ram_store::OrgUnitRecord {
    ram_store::OrgUnitRecord {
        id: id.into(),
        org_id: ORG.into(),
        kind: if parent.is_some() {
            ParentType::OrganizationalUnit
        } else {
            ParentType::Root
        },
        parent_id: parent.map(Into::into),
        arn: format!("arn:aws:organizations::{OWNER}:ou/{ORG}/{id}"),
        name: format!("name-{id}"),
        depth,
        created_ms,
    }
}

fn org_account(account: &str, parent: &str, joined_ms: i64) -> ram_store::OrgAccountRecord {
    ram_store::OrgAccountRecord {
        account_id: account.into(),
        org_id: ORG.into(),
        parent_id: parent.into(),
        arn: format!("arn:aws:organizations::{OWNER}:account/{ORG}/{account}"),
        name: format!("acct-{account}"),
        email: format!("{account}@example.com"),
        joined_method: AccountJoinedMethod::Created,
        joined_ms,
    }
}

/// An organization of OWNER: root, ou-1 > ou-2 > ou-3, ou-4 under the root; OWNER in the root,
/// OTHER in ou-3, 333333333333 in ou-4.
async fn seed_organization(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_organization(&ram_store::OrganizationRecord {
        org_id: ORG.into(),
        arn: format!("arn:aws:organizations::{OWNER}:organization/{ORG}"),
        management_account: OWNER.into(),
        feature_set: OrganizationFeatureSet::All,
        created_ms: 1,
    })
    .await
    .unwrap();
    tx.insert_org_unit(&org_unit(ROOT, None, 0, 1))
        .await
        .unwrap();
    tx.insert_org_unit(&org_unit("ou-ab12-00000001", Some(ROOT), 1, 2))
        .await
        .unwrap();
    tx.insert_org_unit(&org_unit(
        "ou-ab12-00000002",
        Some("ou-ab12-00000001"),
        2,
        3,
    ))
    .await
    .unwrap();
    tx.insert_org_unit(&org_unit(
        "ou-ab12-00000003",
        Some("ou-ab12-00000002"),
        3,
        4,
    ))
    .await
    .unwrap();
    tx.insert_org_unit(&org_unit("ou-ab12-00000004", Some(ROOT), 1, 5))
        .await
        .unwrap();
    tx.insert_org_account(&org_account(OWNER, ROOT, 1))
        .await
        .unwrap();
    tx.insert_org_account(&org_account(OTHER, "ou-ab12-00000003", 2))
        .await
        .unwrap();
    tx.insert_org_account(&org_account("333333333333", "ou-ab12-00000004", 3))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn organizations_units_accounts_and_membership() {
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        seed_organization(&store).await;

        let mut tx = store.read().await.unwrap();
        // The view RAM's sharing is built on: the chain from the root down, the trusted services.
        let m = tx.organization_of_account(OTHER).await.unwrap().unwrap();
        assert_eq!(m.org_id, ORG, "{name}");
        assert_eq!(m.management_account, OWNER);
        assert!(!m.is_management_account());
        let chain: Vec<&str> = m.parents.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            chain,
            [
                ROOT,
                "ou-ab12-00000001",
                "ou-ab12-00000002",
                "ou-ab12-00000003"
            ],
            "{name}"
        );
        assert_eq!(m.containing_arns().len(), 5);
        assert!(m.containing_arns()[0].ends_with(&format!("organization/{ORG}")));
        assert!(m.enabled_services.is_empty());
        let owner = tx.organization_of_account(OWNER).await.unwrap().unwrap();
        assert!(owner.is_management_account());
        assert_eq!(owner.parents.len(), 1);
        assert!(
            tx.organization_of_account("444444444444")
                .await
                .unwrap()
                .is_none()
        );

        assert!(tx.get_organization(ORG).await.unwrap().is_some());
        assert!(tx.get_organization("o-nothere000").await.unwrap().is_none());
        assert_eq!(tx.list_roots(ORG).await.unwrap().len(), 1);
        let ou = tx
            .get_organizational_unit("ou-ab12-00000002")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ou.parent_id.as_deref(), Some("ou-ab12-00000001"));
        assert_eq!(ou.depth, 2);
        assert!(
            tx.get_organizational_unit(ROOT).await.unwrap().is_none(),
            "{name}: a root is no OU"
        );
        assert!(tx.get_org_unit(ROOT).await.unwrap().unwrap().is_root());

        // Children pages, the subtree, names.
        let page = tx.list_child_units(ROOT, None, 1).await.unwrap();
        assert_eq!(page.items[0].id, "ou-ab12-00000001");
        assert!(page.more);
        let last = page.items.last().unwrap();
        let page = tx
            .list_child_units(ROOT, Some(&(last.created_ms, last.id.clone())), 1)
            .await
            .unwrap();
        assert_eq!(page.items[0].id, "ou-ab12-00000004");
        assert!(!page.more, "{name}");
        assert_eq!(
            tx.accounts_under(ORG, None).await.unwrap(),
            [OWNER, OTHER, "333333333333"]
        );
        assert_eq!(
            tx.accounts_under(ORG, Some("ou-ab12-00000001"))
                .await
                .unwrap(),
            [OTHER],
            "{name}"
        );
        assert!(
            tx.accounts_under(ORG, Some("ou-ab12-00000004"))
                .await
                .unwrap()
                .len()
                == 1
        );
        assert!(
            tx.find_child_unit("ou-ab12-00000001", "name-ou-ab12-00000002")
                .await
                .unwrap()
                .is_some()
        );
        assert!(tx.org_unit_has_children("ou-ab12-00000003").await.unwrap());
        assert!(tx.org_unit_has_children("ou-ab12-00000002").await.unwrap());
        assert_eq!(tx.count_org_units(ORG).await.unwrap(), 4);
        assert_eq!(tx.count_org_accounts(ORG).await.unwrap(), 3);
        let all = tx.list_org_accounts(ORG, None, None, 2).await.unwrap();
        assert_eq!(all.items.len(), 2);
        assert!(all.more);
        let in_ou = tx
            .list_org_accounts(ORG, Some("ou-ab12-00000004"), None, 20)
            .await
            .unwrap();
        assert_eq!(in_ou.items[0].account_id, "333333333333");
        tx.commit().await.unwrap();

        // An account is in one organization at most; one organization per management account.
        let mut tx = store.begin().await.unwrap();
        assert!(
            tx.insert_org_account(&org_account(OTHER, ROOT, 9))
                .await
                .is_err(),
            "{name}"
        );
        tx.rollback().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let second = tx
            .insert_organization(&ram_store::OrganizationRecord {
                org_id: "o-zzzzzzzzzz".into(),
                arn: "arn".into(),
                management_account: OWNER.into(),
                feature_set: OrganizationFeatureSet::All,
                created_ms: 1,
            })
            .await;
        assert!(second.is_err(), "{name}");
        tx.rollback().await.unwrap();

        // Moves, renames, removal; service access; tags; emails.
        let mut tx = store.begin().await.unwrap();
        tx.move_org_account(OTHER, "ou-ab12-00000004")
            .await
            .unwrap();
        tx.rename_org_unit("ou-ab12-00000004", "renamed")
            .await
            .unwrap();
        tx.enable_service_access(ORG, "ram.amazonaws.com", 10)
            .await
            .unwrap();
        tx.enable_service_access(ORG, "ram.amazonaws.com", 20)
            .await
            .unwrap();
        tx.enable_service_access(ORG, "config.amazonaws.com", 15)
            .await
            .unwrap();
        let tag = |k: &str, v: &str| Tag {
            key: k.into(),
            value: v.into(),
        };
        tx.put_org_tags(OTHER, &[tag("a", "1"), tag("b", "2")])
            .await
            .unwrap();
        tx.put_org_tags(OTHER, &[tag("a", "3")]).await.unwrap();
        tx.put_org_tags("ou-ab12-00000004", &[tag("team", "x")])
            .await
            .unwrap();
        tx.remove_org_tags(OTHER, &["b".into(), "zz".into()])
            .await
            .unwrap();
        tx.put_account_email(OTHER, "b@example.com").await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(
            tx.put_account_email("333333333333", "b@example.com")
                .await
                .is_err(),
            "{name}: an email belongs to one account"
        );
        tx.rollback().await.unwrap();

        let mut tx = store.read().await.unwrap();
        let m = tx.organization_of_account(OTHER).await.unwrap().unwrap();
        assert_eq!(m.parents.last().unwrap().id, "ou-ab12-00000004");
        assert_eq!(m.parents.last().unwrap().name, "renamed");
        assert_eq!(
            m.enabled_services,
            ["config.amazonaws.com", "ram.amazonaws.com"],
            "{name}"
        );
        assert!(
            tx.service_access_enabled(ORG, "ram.amazonaws.com")
                .await
                .unwrap()
        );
        let listed = tx.list_service_access(ORG, None, 1).await.unwrap();
        assert_eq!(listed.items[0].service_principal, "ram.amazonaws.com");
        assert_eq!(
            listed.items[0].enabled_ms, 10,
            "{name}: enabling again keeps the date"
        );
        assert!(listed.more);
        assert_eq!(tx.list_org_tags(OTHER).await.unwrap(), [tag("a", "3")]);
        assert_eq!(
            tx.account_with_email("b@example.com")
                .await
                .unwrap()
                .as_deref(),
            Some(OTHER)
        );
        assert_eq!(
            tx.get_account_email(OTHER).await.unwrap().as_deref(),
            Some("b@example.com")
        );
        assert!(
            tx.account_with_email("nobody@example.com")
                .await
                .unwrap()
                .is_none()
        );
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.disable_service_access(ORG, "config.amazonaws.com")
            .await
            .unwrap();
        tx.delete_org_account(OTHER).await.unwrap();
        tx.delete_org_unit("ou-ab12-00000003").await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert!(
            !tx.service_access_enabled(ORG, "config.amazonaws.com")
                .await
                .unwrap()
        );
        assert!(
            tx.organization_of_account(OTHER).await.unwrap().is_none(),
            "{name}"
        );
        assert!(
            tx.list_org_tags(OTHER).await.unwrap().is_empty(),
            "{name}: a leaving account loses its tags"
        );
        assert!(tx.get_org_unit("ou-ab12-00000003").await.unwrap().is_none());
        assert_eq!(
            tx.get_account_email(OTHER).await.unwrap().as_deref(),
            Some("b@example.com"),
            "{name}: an account keeps its email"
        );
        tx.commit().await.unwrap();

        // Deleting the organization takes everything in it.
        let mut tx = store.begin().await.unwrap();
        tx.delete_organization(ORG).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert!(tx.get_organization(ORG).await.unwrap().is_none());
        assert!(tx.organization_of_account(OWNER).await.unwrap().is_none());
        assert!(tx.get_org_unit(ROOT).await.unwrap().is_none());
        assert!(
            tx.list_org_tags("ou-ab12-00000004")
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert!(
            !tx.service_access_enabled(ORG, "ram.amazonaws.com")
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn external_follows_membership_in_both_directions() {
    const OUTSIDER: &str = "444444444444";
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        seed_organization(&store).await;
        let mut tx = store.begin().await.unwrap();
        // OWNER's share names OTHER (a member) and OUTSIDER; OTHER's share names OWNER; OUTSIDER's
        // names OTHER. All were added as external.
        let owners = [
            (1, OWNER, vec![OTHER, OUTSIDER]),
            (2, OTHER, vec![OWNER]),
            (3, OUTSIDER, vec![OTHER]),
        ];
        for (n, owner, principals) in &owners {
            let s = share(*n, owner, 100);
            tx.insert_share(&s).await.unwrap();
            for p in principals {
                tx.upsert_association(&NewAssociation {
                    owner_account: (*owner).into(),
                    ..principal(
                        &s.arn,
                        p,
                        Lifecycle::now(AssociationStatus::Associated),
                        100,
                    )
                })
                .await
                .unwrap();
            }
        }
        let external = async |tx: &mut ram_store::WriteTx, n: usize, owner: &str, entity: &str| {
            let arn = share(n, owner, 0).arn;
            let a = tx
                .get_association(&arn, AssociationType::Principal, entity, 200)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(a.updated_ms, 100, "the association itself did not change");
            a.external
        };

        // OTHER is a member of ORG: its associations with ORG's other members are internal.
        tx.set_external_with_organization(OTHER, ORG, false)
            .await
            .unwrap();
        assert!(!external(&mut tx, 1, OWNER, OTHER).await, "{name}");
        assert!(!external(&mut tx, 2, OTHER, OWNER).await, "{name}");
        assert!(
            external(&mut tx, 1, OWNER, OUTSIDER).await,
            "{name}: not a member"
        );
        assert!(
            external(&mut tx, 3, OUTSIDER, OTHER).await,
            "{name}: not a member's share"
        );

        // And external again as it leaves.
        tx.set_external_with_organization(OTHER, ORG, true)
            .await
            .unwrap();
        assert!(external(&mut tx, 1, OWNER, OTHER).await, "{name}");
        assert!(external(&mut tx, 2, OTHER, OWNER).await, "{name}");
        tx.commit().await.unwrap();
    }
}

fn handshake(id: &str, target: &str, requested_ms: i64) -> ram_store::HandshakeRecord {
    ram_store::HandshakeRecord {
        id: id.into(),
        org_id: ORG.into(),
        arn: format!("arn:aws:organizations::{OWNER}:handshake/{ORG}/invite/{id}"),
        action: ActionType::Invite,
        target_type: HandshakePartyType::Account,
        target: target.into(),
        target_account: Some(target.into()),
        notes: None,
        state: HandshakeState::Open,
        requested_ms,
        expires_ms: requested_ms + 1000,
        updated_ms: requested_ms,
        visible_until_ms: requested_ms + 5000,
    }
}

#[tokio::test]
async fn handshakes_create_account_requests_and_iam_roles() {
    let (stores, _turn) = backends().await;
    for (name, store, _dir) in stores {
        seed_organization(&store).await;
        let mut tx = store.begin().await.unwrap();
        for (n, state) in [
            CreateAccountState::Succeeded,
            CreateAccountState::Failed,
            CreateAccountState::Succeeded,
        ]
        .iter()
        .enumerate()
        {
            let n = i64::try_from(n).unwrap();
            tx.insert_create_account_request(&ram_store::CreateAccountRecord {
                id: format!("car-{n:032}"),
                org_id: ORG.into(),
                account_name: format!("n{n}"),
                account_id: (*state == CreateAccountState::Succeeded)
                    .then(|| format!("44444444444{n}")),
                state: *state,
                failure_reason: (*state == CreateAccountState::Failed)
                    .then(|| "EMAIL_ALREADY_EXISTS".into()),
                requested_ms: 100 + n,
                completed_ms: Some(100 + n),
            })
            .await
            .unwrap();
        }
        tx.insert_handshake(&handshake("h-0000000001", "444444444444", 100))
            .await
            .unwrap();
        tx.insert_handshake(&handshake("h-0000000002", "444444444444", 200))
            .await
            .unwrap();
        tx.insert_handshake(&handshake("h-0000000003", "555555555555", 300))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.read().await.unwrap();
        let car = tx
            .get_create_account_request(&format!("car-{:032}", 1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(car.failure_reason.as_deref(), Some("EMAIL_ALREADY_EXISTS"));
        assert!(car.account_id.is_none());
        let ok = tx
            .list_create_account_requests(ORG, &[CreateAccountState::Succeeded], None, 1)
            .await
            .unwrap();
        assert_eq!(ok.items.len(), 1);
        assert!(ok.more, "{name}");
        let last = &ok.items[0];
        let rest = tx
            .list_create_account_requests(
                ORG,
                &[CreateAccountState::Succeeded],
                Some(&(last.requested_ms, last.id.clone())),
                1,
            )
            .await
            .unwrap();
        assert_eq!(rest.items[0].account_id.as_deref(), Some("444444444442"));
        assert!(!rest.more);
        assert_eq!(
            tx.list_create_account_requests(ORG, &[], None, 20)
                .await
                .unwrap()
                .items
                .len(),
            3
        );

        // An OPEN handshake reads as EXPIRED once its expiry has passed.
        assert_eq!(
            tx.get_handshake("h-0000000001", 500)
                .await
                .unwrap()
                .unwrap()
                .state,
            HandshakeState::Open
        );
        assert_eq!(
            tx.get_handshake("h-0000000001", 1100)
                .await
                .unwrap()
                .unwrap()
                .state,
            HandshakeState::Expired,
            "{name}"
        );
        assert!(
            tx.find_open_handshake(ORG, ActionType::Invite, "444444444444", 1150)
                .await
                .unwrap()
                .is_some_and(|h| h.id == "h-0000000002")
        );
        assert!(
            tx.find_open_handshake(ORG, ActionType::Invite, "444444444444", 1250)
                .await
                .unwrap()
                .is_none()
        );
        let mine = ram_store::HandshakeScope::Target("444444444444".into());
        let page = tx
            .list_handshakes(&mine, Some(ActionType::Invite), None, 1, 500)
            .await
            .unwrap();
        assert_eq!(page.items[0].id, "h-0000000001");
        assert!(page.more);
        let org = ram_store::HandshakeScope::Organization(ORG.into());
        assert_eq!(
            tx.list_handshakes(&org, None, None, 20, 500)
                .await
                .unwrap()
                .items
                .len(),
            3
        );
        assert!(
            tx.list_handshakes(&org, Some(ActionType::EnableAllFeatures), None, 20, 500)
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // Listed until visible_until_ms.
        assert_eq!(
            tx.list_handshakes(&org, None, None, 20, 5150)
                .await
                .unwrap()
                .items
                .len(),
            2,
            "{name}"
        );
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.set_handshake_state("h-0000000002", HandshakeState::Accepted, 250, 9999)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        let h = tx
            .get_handshake("h-0000000002", 5000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (h.state, h.updated_ms),
            (HandshakeState::Accepted, 250),
            "{name}: a closed handshake does not expire"
        );
        tx.commit().await.unwrap();

        // IAM roles: names unique per account regardless of case.
        let role = ram_store::RoleRecord {
            account_id: OWNER.into(),
            role_name: "AWSServiceRoleForResourceAccessManager".into(),
            role_id: "AROAABCDEFGHIJKLMNOPQ".into(),
            path: "/aws-service-role/ram.amazonaws.com/".into(),
            service: Some("ram.amazonaws.com".into()),
            assume_role_policy: "{}".into(),
            description: None,
            max_session_seconds: 3600,
            tags: "[]".into(),
            created_ms: 7,
        };
        let mut tx = store.begin().await.unwrap();
        assert!(tx.insert_role(&role).await.unwrap());
        let shouting = ram_store::RoleRecord {
            role_name: role.role_name.to_uppercase(),
            ..role.clone()
        };
        assert!(!tx.insert_role(&shouting).await.unwrap(), "{name}");
        assert!(
            tx.insert_role(&ram_store::RoleRecord {
                account_id: OTHER.into(),
                ..role.clone()
            })
            .await
            .unwrap()
        );
        tx.insert_deletion_task(&ram_store::DeletionTaskRecord {
            account_id: OWNER.into(),
            task_id: "task/x".into(),
            role_name: role.role_name.clone(),
            status: DeletionTaskStatusType::Succeeded,
            created_ms: 8,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.get_role(OWNER, "awsserviceroleforresourceaccessmanager")
                .await
                .unwrap(),
            Some(role.clone()),
            "{name}"
        );
        tx.delete_role(OWNER, &role.role_name).await.unwrap();
        assert!(tx.get_role(OWNER, &role.role_name).await.unwrap().is_none());
        assert!(tx.get_role(OTHER, &role.role_name).await.unwrap().is_some());
        assert_eq!(
            tx.get_deletion_task(OWNER, "task/x")
                .await
                .unwrap()
                .unwrap()
                .status,
            DeletionTaskStatusType::Succeeded
        );
        assert!(
            tx.get_deletion_task(OTHER, "task/x")
                .await
                .unwrap()
                .is_none()
        );

        // reset() empties every Organizations and IAM table.
        tx.reset().await.unwrap();
        assert!(tx.get_organization(ORG).await.unwrap().is_none(), "{name}");
        assert!(tx.get_org_unit(ROOT).await.unwrap().is_none());
        assert!(tx.get_org_account(OWNER).await.unwrap().is_none());
        assert!(tx.get_handshake("h-0000000001", 0).await.unwrap().is_none());
        assert!(
            tx.get_create_account_request(&format!("car-{:032}", 0))
                .await
                .unwrap()
                .is_none()
        );
        assert!(tx.get_role(OTHER, &role.role_name).await.unwrap().is_none());
        assert!(
            tx.get_deletion_task(OWNER, "task/x")
                .await
                .unwrap()
                .is_none()
        );
        tx.commit().await.unwrap();
    }
}

/// Concurrent writers (batched together on SQLite): each one's transaction is all-or-nothing —
/// those that roll back, explicitly or by being dropped, leave nothing, the others everything —
/// and the status counters the quotas read agree with the rows, through timed transitions too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_are_each_all_or_nothing_and_counted_exactly() {
    let (backends, _turn) = backends().await;
    for (name, store, _dir) in backends {
        let mut tx = store.begin().await.unwrap();
        tx.reset().await.unwrap();
        tx.commit().await.unwrap();
        let mut writers = Vec::new();
        for n in 0..48usize {
            let store = store.clone();
            writers.push(tokio::spawn(async move {
                let mut tx = store.begin_for(Some(OWNER)).await.unwrap();
                let mut s = share(n, OWNER, 1000 + i64::try_from(n).unwrap());
                // Every fourth share is being deleted until t=5000, then deleted.
                if n % 4 == 1 {
                    s.lifecycle =
                        Lifecycle::until(ShareStatus::Deleting, 5000, ShareStatus::Deleted, 0);
                }
                tx.insert_share(&s).await.unwrap();
                match n % 3 {
                    0 => tx.commit().await.unwrap(),
                    1 => tx.rollback().await.unwrap(),
                    _ => drop(tx),
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        let kept: Vec<usize> = (0..48).filter(|n| n % 3 == 0).collect();
        let mut tx = store.begin().await.unwrap();
        let page = tx
            .list_shares(
                &Scope::Owner(OWNER.into()),
                REGION,
                &ShareFilter::default(),
                None,
                100,
                2000,
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), kept.len(), "{name}");
        let live_before = kept.iter().filter(|n| *n % 4 != 1).count();
        let all = States::<ShareStatus>::Any;
        assert_eq!(
            tx.count_shares(OWNER, REGION, &all, 2000).await.unwrap(),
            i64::try_from(kept.len()).unwrap(),
            "{name}"
        );
        // Before t=5000 the deleting shares are not live; after it they are deleted, still not.
        for now in [2000, 6000] {
            assert_eq!(
                tx.count_shares(OWNER, REGION, &live_shares(), now)
                    .await
                    .unwrap(),
                i64::try_from(live_before).unwrap(),
                "{name} at {now}"
            );
        }
        let deleted = States::only(&[ShareStatus::Deleted]);
        assert_eq!(
            tx.count_shares(OWNER, REGION, &deleted, 6000)
                .await
                .unwrap(),
            i64::try_from(kept.len() - live_before).unwrap(),
            "{name}: settled transitions are counted in their new status"
        );
        tx.commit().await.unwrap();
    }
}

/// A write begun `alone` (what an operation that keeps losing serialization conflicts retries
/// as) waits for the writers in flight, whatever their account, and holds off new ones until it
/// ends — so it has no writer left to conflict with. (SQLite runs one writer at a time anyway.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_begun_alone_excludes_every_other_writer() {
    use std::time::Duration;
    let (backends, _turn) = backends().await;
    for (name, store, _dir) in backends {
        let first = store.begin_for(Some(OWNER)).await.unwrap();
        let alone = tokio::spawn({
            let store = store.clone();
            async move {
                ram_store::alone(store.begin_for(Some(OTHER)))
                    .await
                    .unwrap()
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !alone.is_finished(),
            "{name}: began beside a writer in flight"
        );
        // Its own task: on SQLite a commit queues for the writer again (group commit), behind
        // the write begun alone.
        let committed = tokio::spawn(first.commit());
        let alone = tokio::time::timeout(Duration::from_secs(5), alone)
            .await
            .expect("begins once the writer in flight is done")
            .unwrap();
        let later = tokio::spawn({
            let store = store.clone();
            async move { store.begin_for(Some("333333333333")).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            !later.is_finished(),
            "{name}: a writer began beside one alone"
        );
        alone.rollback().await.unwrap();
        let later = tokio::time::timeout(Duration::from_secs(5), later)
            .await
            .expect("the next writer begins after")
            .unwrap();
        later.rollback().await.unwrap();
        committed.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn every_table_moves_row_for_row_into_an_empty_store_of_either_backend() {
    let (stores, _turn) = backends().await;
    let source_dir = tempfile::tempdir().unwrap();
    let source = Store::open_dir(source_dir.path()).await.unwrap();
    seed_organization(&source).await;
    let mut tx = source.begin().await.unwrap();
    let s = share(1, OWNER, 100);
    tx.insert_share(&s).await.unwrap();
    tx.upsert_association(&principal(
        &s.arn,
        OTHER,
        Lifecycle::now(AssociationStatus::Associated),
        100,
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut read = source.read().await.unwrap();
    let mut tables = Vec::new();
    for table in ram_store::snapshot_tables() {
        let columns = read.table_columns(table).await.unwrap();
        assert!(!columns.is_empty(), "{table}");
        let rows = read.table_rows(table, &columns).await.unwrap();
        tables.push((table, columns, rows));
    }
    read.commit().await.unwrap();
    assert!(!ram_store::snapshot_tables().contains(&"status_counts"));

    for (name, target, _dir) in stores {
        let mut tx = target.begin().await.unwrap();
        for (table, columns, rows) in &tables {
            let mut rows = rows.clone();
            if *table == "settings" {
                // A reset keeps the settings (the page-token key) earlier runs made.
                let there = tx.table_rows(table, columns).await.unwrap();
                rows.retain(|r| !there.contains(r));
            }
            tx.insert_rows(table, columns, &rows).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut read = target.read().await.unwrap();
        for (table, columns, rows) in &tables {
            let mut got = read.table_rows(table, columns).await.unwrap();
            let mut want = rows.clone();
            let key = |r: &Vec<ram_store::Cell>| format!("{r:?}");
            got.sort_by_key(key);
            want.sort_by_key(key);
            if *table == "settings" {
                got.retain(|r| want.contains(r));
            }
            assert_eq!(got, want, "{name}: {table}");
        }
        // The counters quotas read were rebuilt by the triggers from the rows.
        let sizes = target.sizes().await.unwrap();
        assert!(
            sizes
                .by_status
                .contains(&("PRINCIPAL".into(), "ASSOCIATED".into(), 1)),
            "{name}: {sizes:?}"
        );
        assert!(
            sizes
                .by_status
                .contains(&("share".into(), "ACTIVE".into(), 1)),
            "{name}"
        );
        // A table or column name from outside the schema never reaches the database.
        assert!(
            read.table_rows("accounts; DROP TABLE accounts", &[])
                .await
                .is_err()
        );
        let bad = [ram_store::Column {
            name: "x; --".into(),
            integer: false,
        }];
        assert!(read.table_rows("accounts", &bad).await.is_err());
        assert!(!read.table_is_empty("resource_shares").await.unwrap());
        assert!(read.table_is_empty("org_handshakes").await.unwrap());
        assert!(matches!(
            read.table_is_empty("nope").await,
            Err(ram_store::StoreError::NotInSchema(_))
        ));
        read.commit().await.unwrap();
    }
}
