//! Records of the store rendered as the model's output shapes.

use ram_model::{
    Principal, Resource, ResourceRegionScope, ResourceShare, ResourceShareAssociation,
    ResourceShareConfiguration, ResourceShareInvitation, ResourceStatus, Tag, Timestamp,
};
use ram_store::{AssociationRecord, InvitationRecord, ShareRecord};

use crate::catalog::Catalog;

pub fn share(record: &ShareRecord, tags: Vec<Tag>) -> ResourceShare {
    ResourceShare {
        resource_share_arn: Some(record.arn.clone()),
        name: Some(record.name.clone()),
        owning_account_id: Some(record.owner_account.clone()),
        allow_external_principals: Some(record.allow_external),
        status: Some(record.status),
        status_message: record.status_message.clone(),
        tags: (!tags.is_empty()).then_some(tags),
        creation_time: Some(Timestamp(record.created_ms)),
        last_updated_time: Some(Timestamp(record.updated_ms)),
        feature_set: Some(record.feature_set),
        resource_share_configuration: record.retain_on_leave.map(|retain| {
            ResourceShareConfiguration {
                retain_sharing_on_account_leave_organization: Some(retain),
            }
        }),
    }
}

pub fn association(record: &AssociationRecord) -> ResourceShareAssociation {
    ResourceShareAssociation {
        resource_share_arn: Some(record.share_arn.clone()),
        resource_share_name: Some(record.share_name.clone()),
        associated_entity: Some(record.entity.clone()),
        association_type: Some(record.association_type),
        status: Some(record.status),
        status_message: record.status_message.clone(),
        creation_time: Some(Timestamp(record.created_ms)),
        last_updated_time: Some(Timestamp(record.updated_ms)),
        external: Some(record.external),
    }
}

pub fn invitation(record: &InvitationRecord) -> ResourceShareInvitation {
    ResourceShareInvitation {
        resource_share_invitation_arn: Some(record.arn.clone()),
        resource_share_name: Some(record.share_name.clone()),
        resource_share_arn: Some(record.share_arn.clone()),
        sender_account_id: Some(record.sender_account.clone()),
        receiver_account_id: Some(record.receiver_account.clone()),
        invitation_timestamp: Some(Timestamp(record.created_ms)),
        status: Some(record.status),
        resource_share_associations: None,
        receiver_arn: record.receiver_arn.clone(),
    }
}

pub fn principal(record: &AssociationRecord) -> Principal {
    Principal {
        id: Some(record.entity.clone()),
        resource_share_arn: Some(record.share_arn.clone()),
        creation_time: Some(Timestamp(record.created_ms)),
        last_updated_time: Some(Timestamp(record.updated_ms)),
        external: Some(record.external),
    }
}

pub fn resource(record: &AssociationRecord, catalog: &Catalog) -> Resource {
    let info = record.resource_type.as_deref().and_then(|t| catalog.get(t));
    Resource {
        arn: Some(record.entity.clone()),
        r#type: record.resource_type.clone(),
        resource_share_arn: Some(record.share_arn.clone()),
        resource_group_arn: None,
        status: Some(ResourceStatus::Available),
        status_message: None,
        creation_time: Some(Timestamp(record.created_ms)),
        last_updated_time: Some(Timestamp(record.updated_ms)),
        resource_region_scope: Some(
            if info.is_some_and(crate::catalog::ResourceTypeInfo::is_global) {
                ResourceRegionScope::Global
            } else {
                ResourceRegionScope::Regional
            },
        ),
    }
}
