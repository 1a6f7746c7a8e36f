# The sidecar image: the argocd-eso-plugin binary on a minimal base, running as Argo CD's user 999.
# argocd-cmp-server itself comes from the repo-server's /var/run/argocd volume, not from this image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY schemas ./schemas
COPY benches ./benches
RUN cargo build --release --locked --bin argocd-eso-plugin

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/argocd-eso-plugin /usr/local/bin/argocd-eso-plugin
USER 999:999
# The index of which overlays each environment's apps need (names only), shared by the generate processes of this
# sidecar: /tmp is the sidecar's own emptyDir (Argo CD's repo-server Deployment), the image's HOME is not writable.
ENV ARGOCD_ESO_PLUGIN_CACHE_DIR=/tmp/argocd-eso-plugin
ENTRYPOINT ["/usr/local/bin/argocd-eso-plugin"]
