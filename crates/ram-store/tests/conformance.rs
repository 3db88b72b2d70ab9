//! The store conformance suite: every backend runs the same checks. SQLite always runs;
//! PostgreSQL runs when `RAMD_TEST_DATABASE_URL` names a database (the suite owns its tables).

use ram_store::{
    AccessKeyRecord, AccountRecord, AssociationFilter, IdempotencyRecord, InvitationFilter,
    Lifecycle, NewAssociation, NewInvitation, NewShare, Scope, ShareFilter, ShareHolds, Store,
    StoreError, Tag,
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
    if let Ok(url) = std::env::var("RAMD_TEST_DATABASE_URL") {
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
        feature_set: "STANDARD".into(),
        retain_on_leave: None,
        lifecycle: Lifecycle::now("ACTIVE"),
        created_ms,
    }
}

fn principal(share_arn: &str, entity: &str, lifecycle: Lifecycle, now_ms: i64) -> NewAssociation {
    NewAssociation {
        share_arn: share_arn.into(),
        association_type: "PRINCIPAL".into(),
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

        // Derived status: DELETING until 6000, DELETED after, invisible from 9000.
        let arn = share(0, OWNER, 0).arn;
        let mut tx = store.begin().await.unwrap();
        tx.set_share_lifecycle(
            &arn,
            &Lifecycle::until("DELETING", 6000, "DELETED", 5000),
            Some(9000),
            5000,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert_eq!(
            tx.get_share(&arn, 5500).await.unwrap().unwrap().status,
            "DELETING",
            "{name}"
        );
        assert_eq!(
            tx.get_share(&arn, 6000).await.unwrap().unwrap().status,
            "DELETED",
            "{name}"
        );
        let deleted = ShareFilter {
            status: Some("DELETED".into()),
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
            tx.count_live_shares(OWNER, REGION, 7000).await.unwrap(),
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
            Lifecycle::until("ASSOCIATING", 10_000, "DISASSOCIATED", 100),
            100,
        ))
        .await
        .unwrap();
        tx.upsert_association(&NewAssociation {
            association_type: "RESOURCE".into(),
            entity: "arn:aws:ec2:us-east-1:111111111111:transit-gateway/tgw-1".into(),
            entity_account: None,
            resource_type: Some("ec2:TransitGateway".into()),
            external: false,
            ..principal(&s.arn, "x", Lifecycle::now("ASSOCIATED"), 100)
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
            lifecycle: Lifecycle::until("PENDING", 10_000, "EXPIRED", 100),
            created_ms: 100,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let receiver = Scope::Receiver(OTHER.into());
        let mut tx = store.read().await.unwrap();
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
        assert_eq!(invitations.items[0].status, "PENDING", "{name}");
        assert_eq!(
            tx.list_invitations(OTHER, REGION, &mine, None, 10, 10_000)
                .await
                .unwrap()
                .items[0]
                .status,
            "EXPIRED"
        );
        assert_eq!(
            tx.count_pending_invitations(OWNER, REGION, 200)
                .await
                .unwrap(),
            1,
            "{name}"
        );
        let assoc = tx
            .get_association(&s.arn, "PRINCIPAL", OTHER, 10_001)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(assoc.status, "DISASSOCIATED", "{name}");
        tx.commit().await.unwrap();

        // Acceptance: the receiver now sees the share and its resource.
        let mut tx = store.begin().await.unwrap();
        tx.set_association_lifecycle(
            &s.arn,
            "PRINCIPAL",
            OTHER,
            &Lifecycle::now("ASSOCIATED"),
            None,
            300,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.read().await.unwrap();
        assert_eq!(
            tx.list_shares(&receiver, REGION, &ShareFilter::default(), None, 10, 400)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        let resources = AssociationFilter {
            association_type: Some("RESOURCE".into()),
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
            association_type: Some("PRINCIPAL".into()),
            share_holds: Some(ShareHolds {
                association_type: "RESOURCE".into(),
                entity: None,
                resource_type: Some("ec2:TransitGateway".into()),
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
                association_type: "RESOURCE".into(),
                entity: None,
                resource_type: Some("ec2:Subnet".into()),
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
            tx.count_live_associations("owner_account", OWNER, "RESOURCE", 400)
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
            "PRINCIPAL",
            OTHER,
            &Lifecycle::now("DISASSOCIATED"),
            None,
            500,
        )
        .await
        .unwrap();
        tx.upsert_association(&principal(&s.arn, OTHER, Lifecycle::now("ASSOCIATED"), 600))
            .await
            .unwrap();
        let again = tx
            .get_association(&s.arn, "PRINCIPAL", OTHER, 700)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.status.as_str(), again.created_ms),
            ("ASSOCIATED", 600),
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
