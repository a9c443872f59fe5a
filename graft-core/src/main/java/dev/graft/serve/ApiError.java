package dev.graft.serve;

/**
 * A request that gets an error answer: the HTTP status and a one-line reason. Rendered as TEI's
 * {@code {"error": reason, "error_type": type}} on the TEI endpoints and as OpenAI's
 * {@code {"error": {"message", "type", "param", "code"}}} on {@code /v1/...}.
 */
final class ApiError extends RuntimeException {
    /** TEI's error types (text-embeddings-inference {@code ErrorType}). */
    enum Kind {
        VALIDATION("Validation", "invalid_request_error"),
        NOT_FOUND("Validation", "invalid_request_error"),
        UNAUTHORIZED("Unauthorized", "invalid_request_error"),
        OVERLOADED("Overloaded", "rate_limit_error"),
        UNAVAILABLE("Unhealthy", "server_error"),
        BACKEND("Backend", "server_error");

        final String tei;
        final String openAi;

        Kind(String tei, String openAi) {
            this.tei = tei;
            this.openAi = openAi;
        }
    }

    final int status;
    final Kind kind;
    final String param; // OpenAI's "param": the request field at fault, or null
    final String code; // OpenAI's "code", or null

    ApiError(int status, Kind kind, String message, String param, String code) {
        super(oneLine(message), null, false, false);
        this.status = status;
        this.kind = kind;
        this.param = param;
        this.code = code;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, Kind.VALIDATION, message, null, null);
    }

    static ApiError badRequest(String message, String param) {
        return new ApiError(400, Kind.VALIDATION, message, param, null);
    }

    static ApiError tooLarge(String message) {
        return new ApiError(413, Kind.VALIDATION, message, null, null);
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
