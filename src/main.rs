fn main() {
    std::process::exit(argocd_eso_plugin::cli::run());
}
