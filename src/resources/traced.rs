//! A resource (or data source) whose every operation runs in a `resource` span naming the
//! resource type, the operation and the resource's `name` (or `username`, or the id being
//! imported), so that each Admin API line inside says which resource it was for. Terraform sends no resource address to
//! a provider; the type and the name are the closest the provider can say. The read-only
//! operations (read, plan, import, a data source's read) run in [`read_only::scope`], so that a
//! stop from Terraform abandons the reads they wait for.

use async_trait::async_trait;
use serde::Serialize;
use tf_provider::schema::Schema;
use tf_provider::{AttributePath, DataSource, Diagnostics, Resource};
use tracing::Instrument;

use crate::kong::read_only;

/// `inner`, traced as the resource type `kind` (`dispatch_api`).
pub struct Traced<R> {
    kind: &'static str,
    inner: R,
}

impl<R> Traced<R> {
    /// Traces `inner`'s operations as `kind`.
    pub fn new(kind: &'static str, inner: R) -> Self {
        Self { kind, inner }
    }

    /// The span of one operation; the label is only worked out when the span is written.
    fn span<S: Serialize>(&self, operation: &'static str, state: Option<&S>) -> tracing::Span {
        if !tracing::enabled!(tracing::Level::INFO) {
            return tracing::Span::none();
        }
        let name = state.and_then(label);
        tracing::info_span!("resource", resource = self.kind, operation, name)
    }
}

/// The `name` (else `username`) the state holds, when known.
fn label<S: Serialize>(state: &S) -> Option<String> {
    let value = serde_json::to_value(state).ok()?;
    ["name", "username"]
        .iter()
        .find_map(|key| value.get(*key)?.as_str().map(str::to_string))
}

#[async_trait]
impl<R: Resource> Resource for Traced<R> {
    type State<'a> = R::State<'a>;
    type PrivateState<'a> = R::PrivateState<'a>;
    type ProviderMetaState<'a> = R::ProviderMetaState<'a>;

    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        self.inner.schema(diags)
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        self.inner.validate(diags, config).await
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let span = self.span("read", Some(&state));
        read_only::scope(
            self.inner
                .read(diags, state, private_state, meta)
                .instrument(span),
        )
        .await
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let span = self.span("plan", Some(&config));
        read_only::scope(
            self.inner
                .plan_create(diags, proposed, config, meta)
                .instrument(span),
        )
        .await
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        proposed: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let span = self.span("plan", Some(&config));
        read_only::scope(
            self.inner
                .plan_update(diags, prior, proposed, config, private_state, meta)
                .instrument(span),
        )
        .await
    }

    async fn plan_destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        let span = self.span("plan_destroy", Some(&prior));
        read_only::scope(
            self.inner
                .plan_destroy(diags, prior, private_state, meta)
                .instrument(span),
        )
        .await
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let span = self.span("create", Some(&planned));
        self.inner
            .create(diags, planned, config, private_state, meta)
            .instrument(span)
            .await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        planned: Self::State<'a>,
        config: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let span = self.span("update", Some(&planned));
        self.inner
            .update(diags, prior, planned, config, private_state, meta)
            .instrument(span)
            .await
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let span = self.span("destroy", Some(&prior));
        self.inner
            .destroy(diags, prior, private_state, meta)
            .instrument(span)
            .await
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let span = self.span("import", Some(&serde_json::json!({ "name": id })));
        read_only::scope(self.inner.import(diags, id).instrument(span)).await
    }
}

#[async_trait]
impl<D: DataSource> DataSource for Traced<D> {
    type State<'a> = D::State<'a>;
    type ProviderMetaState<'a> = D::ProviderMetaState<'a>;

    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema> {
        self.inner.schema(diags)
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        self.inner.validate(diags, config).await
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let span = self.span("read", Some(&config));
        read_only::scope(self.inner.read(diags, config, meta).instrument(span)).await
    }
}
