//! CloudTrail's `LookupEvents` on ramd's endpoint (JSON 1.1, `X-Amz-Target:
//! CloudTrail_20131101.LookupEvents`, signing name `cloudtrail`), so `aws cloudtrail
//! lookup-events` and boto3 read the audit trail: an account's own events, newest first, by one
//! lookup attribute at most, in a time range (the last 90 days unless given), 50 a page.

use ram_context::Caller;
use ram_model::cloudtrail::{
    self, Event, LookupAttributeKey, LookupEventsRequest, LookupEventsResponse, Resource,
};
use ram_model::validate::Rules;
use ram_model::{ApiError, ErrorCode, Json, Output, Timestamp, api_error};
use ram_protocol::{Reply, json11};
use ram_store::AuditLookup;

use crate::server::{ApiHandler, ApiRequest, authenticated};

/// The target prefixes CloudTrail's clients send (the model's full one, and the short one).
const TARGETS: [&str; 2] = [
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
    "CloudTrail_20131101",
];
const MAX_RESULTS: i32 = 50;
/// How far back LookupEvents looks when no StartTime is given (CloudTrail's 90 days).
const DEFAULT_WINDOW_MS: i64 = 90 * 86_400_000;

/// CloudTrail: the requests that carry its `X-Amz-Target`.
pub struct CloudTrail;

fn target<'r>(req: &'r ApiRequest<'_>) -> Option<&'r str> {
    let header = req.headers.get("x-amz-target")?.to_str().ok()?;
    TARGETS
        .iter()
        .find_map(|prefix| json11::operation(Some(header), prefix))
}

impl ApiHandler for CloudTrail {
    const NAME: &'static str = "cloudtrail";
    type Endpoint = cloudtrail::Operation;

    fn parse_endpoint(&self, req: &ApiRequest<'_>) -> Result<Option<Self::Endpoint>, ApiError> {
        let Some(name) = target(req) else {
            return Ok(None);
        };
        cloudtrail::Operation::parse(name)
            .map(Some)
            .ok_or_else(|| json11::unknown_operation(name))
    }

    fn operation(&self, endpoint: &Self::Endpoint) -> &'static str {
        endpoint.name()
    }

    fn signing_service(&self, _: &Self::Endpoint) -> Option<&'static str> {
        Some("cloudtrail")
    }

    async fn handle(
        &self,
        req: &ApiRequest<'_>,
        op: Self::Endpoint,
        caller: Option<Caller>,
    ) -> Result<Reply, ApiError> {
        let caller = authenticated(caller)?;
        // CloudTrail answers a MaxResults out of range with its own error, before the model's.
        if let Ok(body) = serde_json::from_slice::<serde_json::Value>(req.body)
            && let Some(max) = body.get("MaxResults").and_then(serde_json::Value::as_i64)
            && !(1..=i64::from(MAX_RESULTS)).contains(&max)
        {
            return Err(api_error!(
                InvalidMaxResultsException,
                "MaxResults must be between 1 and {MAX_RESULTS}."
            ));
        }
        let rules = Rules::uniform(cloudtrail::SHAPES, ErrorCode::ValidationException);
        let input = json11::decode(&rules, op.input(), req.body)?;
        req.note_parameters(input.clone());
        let input: LookupEventsRequest =
            serde_json::from_value(input).map_err(|e| api_error!(SerializationException, "{e}"))?;
        let output = lookup_events(req, &caller, input).await?;
        Ok(json11::ok(Json::of(&output)?, req.request_id))
    }

    fn render_error(&self, e: &ApiError, request_id: &str) -> Reply {
        json11::error(e, cloudtrail::error_status(e.code), request_id)
    }
}

fn invalid_token() -> ApiError {
    api_error!(InvalidNextTokenException, "Invalid NextToken.")
}

/// The cursor of a page's last event, as the next token carries it.
fn token_of(time_ms: i64, event_id: &str) -> String {
    format!("{time_ms}.{event_id}")
}

fn cursor_of(token: &str) -> Result<(i64, String), ApiError> {
    let (time, id) = token.split_once('.').ok_or_else(invalid_token)?;
    let time = time.parse().map_err(|_| invalid_token())?;
    Ok((time, id.to_owned()))
}

async fn lookup_events(
    req: &ApiRequest<'_>,
    caller: &Caller,
    input: LookupEventsRequest,
) -> Result<LookupEventsResponse, ApiError> {
    let ram = &req.state.ram;
    let attributes = input.lookup_attributes.unwrap_or_default();
    if attributes.len() > 1 {
        return Err(api_error!(
            InvalidLookupAttributesException,
            "You cannot specify more than one lookup attribute."
        ));
    }
    let lookup = match attributes.first() {
        None => None,
        Some(a) => {
            let value = a.attribute_value.clone().unwrap_or_default();
            Some(match a.attribute_key {
                Some(LookupAttributeKey::Eventid) => AuditLookup::EventId(value),
                Some(LookupAttributeKey::Eventname) => AuditLookup::EventName(value),
                Some(LookupAttributeKey::Eventsource) => AuditLookup::EventSource(value),
                Some(LookupAttributeKey::Username) => AuditLookup::Username(value),
                Some(LookupAttributeKey::Accesskeyid) => AuditLookup::AccessKeyId(value),
                Some(LookupAttributeKey::Resourcetype) => AuditLookup::ResourceType(value),
                Some(LookupAttributeKey::Resourcename) => AuditLookup::ResourceName(value),
                Some(LookupAttributeKey::Readonly) => match value.as_str() {
                    "true" => AuditLookup::ReadOnly(true),
                    "false" => AuditLookup::ReadOnly(false),
                    _ => {
                        return Err(api_error!(
                            InvalidLookupAttributesException,
                            "The ReadOnly lookup attribute takes true or false."
                        ));
                    }
                },
                None => {
                    return Err(api_error!(
                        InvalidLookupAttributesException,
                        "A lookup attribute needs an AttributeKey."
                    ));
                }
            })
        }
    };
    let max = input.max_results.unwrap_or(MAX_RESULTS);
    if !(1..=MAX_RESULTS).contains(&max) {
        return Err(api_error!(
            InvalidMaxResultsException,
            "MaxResults must be between 1 and {MAX_RESULTS}."
        ));
    }
    let now = ram.now_ms();
    let to = input.end_time.map_or(now, |t| t.0);
    let from = input.start_time.map_or(to - DEFAULT_WINDOW_MS, |t| t.0);
    if from > to {
        return Err(api_error!(
            InvalidTimeRangeException,
            "The start time must be before the end time."
        ));
    }
    let before = input.next_token.as_deref().map(cursor_of).transpose()?;
    if input.event_category.is_some() {
        // ramd records management events only: no Insights events.
        return Ok(LookupEventsResponse {
            events: Some(Vec::new()),
            next_token: None,
        });
    }
    ram.authorize_action(caller, "cloudtrail:LookupEvents", "*")
        .await?;
    let store_failure = |e: ram_store::StoreError| {
        tracing::error!(error = %e, "store failure in LookupEvents");
        match e {
            ram_store::StoreError::Unavailable(_) => ApiError::unavailable(),
            _ => ApiError::internal(),
        }
    };
    // What this replica was handed so far is written: a caller reads its own calls.
    if let Some(log) = &req.state.audit {
        log.flush().await;
    }
    let limit = usize::try_from(max).unwrap_or(50);
    let mut tx = ram.store().read().await.map_err(store_failure)?;
    let mut rows = tx
        .lookup_audit_events(
            &caller.account_id,
            lookup.as_ref(),
            (from, to),
            before.as_ref(),
            limit + 1,
        )
        .await
        .map_err(store_failure)?;
    tx.commit().await.map_err(store_failure)?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_token = more
        .then(|| rows.last().map(|r| token_of(r.event_time_ms, &r.event_id)))
        .flatten();
    let events = rows
        .into_iter()
        .map(|r| {
            let resources: Vec<serde_json::Value> =
                serde_json::from_str(&r.resources).unwrap_or_default();
            Event {
                event_id: Some(r.event_id),
                event_name: Some(r.event_name),
                read_only: Some(r.read_only.to_string()),
                access_key_id: r.access_key_id,
                event_time: Some(Timestamp(r.event_time_ms - r.event_time_ms % 1000)),
                event_source: Some(r.event_source),
                username: r.username,
                resources: Some(
                    resources
                        .iter()
                        .map(|v| Resource {
                            resource_type: v["ResourceType"].as_str().map(str::to_owned),
                            resource_name: v["ResourceName"].as_str().map(str::to_owned),
                        })
                        .collect(),
                ),
                cloud_trail_event: Some(r.event),
            }
        })
        .collect();
    Ok(LookupEventsResponse {
        events: Some(events),
        next_token,
    })
}
