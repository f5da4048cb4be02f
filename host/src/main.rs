fn main() -> std::process::ExitCode {
    regroup::cli::main()
}
