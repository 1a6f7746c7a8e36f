// mimalloc: the run is allocation-heavy (YAML, JSON schemas) and short; its allocator is measurably faster here.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(argocd_eso_plugin::cli::run());
}
