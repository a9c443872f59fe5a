package dev.graft.tokenizer;

/**
 * UTF-8 and UTF-16 repair the way the reference (Rust) does it.
 *
 * <p>{@link #decodeLossy} replaces each maximal ill-formed subsequence by one U+FFFD, the
 * practice the Unicode Standard recommends (chapter 3, "U+FFFD Substitution of Maximal
 * Subparts") and Rust's {@code String::from_utf8_lossy} follows. {@link #replaceLoneSurrogates}
 * does the same for Java strings, whose lone surrogates have no UTF-8 form.
 */
final class Utf8 {
    private Utf8() {
    }

    static String decodeLossy(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int n = b.length;
        int i = 0;
        while (i < n) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            if (c < 0xC2 || c > 0xF4) {
                sb.append('\uFFFD');
                i++;
                continue;
            }
            // the Unicode Standard's table 3-7: the lead byte fixes the continuation bytes' count and the
            // second byte's range (E0, ED, F0 and F4 narrow it); the others are 80..BF
            int need = c <= 0xDF ? 1 : c <= 0xEF ? 2 : 3;
            int cp = c & (0x7F >> (need + 1));
            int lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
            int hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= n) {
                    ok = false;
                    break;
                }
                int d = b[j] & 0xFF;
                int l = k == 0 ? lo : 0x80;
                int h = k == 0 ? hi : 0xBF;
                if (d < l || d > h) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (d & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
            }
            i = j;
        }
        return sb.toString();
    }

    /** {@code s} with every unpaired surrogate replaced by U+FFFD (same length, same offsets). */
    static String replaceLoneSurrogates(String s) {
        int n = s.length();
        char[] out = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                if (out == null) {
                    out = s.toCharArray();
                }
                out[i] = '\uFFFD';
            }
        }
        return out == null ? s : new String(out);
    }
}
