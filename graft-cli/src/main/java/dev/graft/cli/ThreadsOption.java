package dev.graft.cli;

import picocli.CommandLine.Option;

/** {@code --threads}, the compute threads of every command that computes (a picocli mixin). */
final class ThreadsOption {
    @Option(names = "--threads", description = "Threads (default: available cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    /** The threads given, or the machine's cores. */
    int threads() {
        return threads;
    }
}
