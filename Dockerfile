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
ENTRYPOINT ["/usr/local/bin/argocd-eso-plugin"]
