package dev.graft.cli;

import picocli.CommandLine;

import java.time.Duration;

/** picocli's converter for --max-time and the like: {@link dev.graft.train.Durations#parse}. */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return dev.graft.train.Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
