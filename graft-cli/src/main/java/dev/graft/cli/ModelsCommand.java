package dev.graft.cli;

import dev.graft.data.DataFiles;
import dev.graft.data.DataHome;
import dev.graft.model.KnownModels;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code graft models}: the models {@code graft import --from NAME} fetches, and which are already downloaded. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the pretrained models graft can import by name (graft import --from NAME --out DIR): "
                + "size, languages, how each is used as a sentence encoder, license, and whether its package is "
                + "already in $GRAFT_HOME/models/downloads."})
final class ModelsCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = command.commandLine().getOut();
        Path downloads = DataHome.home().resolve("models").resolve("downloads");
        stdout.printf(Locale.ROOT, "%-13s %-8s %-9s %-5s %-64s %-10s %s%n", "name", "params", "download", "lang",
                "sentence encoder", "license", "here");
        for (KnownModels.Known k : KnownModels.ALL) {
            String artifact = k.source().name().substring(k.source().name().indexOf(':') + 1);
            Path jar = downloads.resolve(artifact + "-" + k.source().version() + ".jar");
            String here = Files.isRegularFile(jar) && DataFiles.sha256(jar).equals(k.source().sha256()) ? "downloaded"
                    : "-";
            stdout.printf(Locale.ROOT, "%-13s %-8s %-9s %-5s %-64s %-10s %s%n", k.name(),
                    String.format(Locale.ROOT, "%.1fM", k.parameters() / 1e6),
                    String.format(Locale.ROOT, "%.0f MB", k.source().bytes() / 1e6), k.languages(),
                    k.embedding().describe(), k.license(), here);
        }
        stdout.println();
        stdout.println("Each comes as ONNX inside a Maven package (" + KnownModels.ALL.size() + " pinned by version "
                + "and sha256): graft import --from NAME --out DIR fetches it with mvn and writes a checkpoint folder.");
        return 0;
    }
}
