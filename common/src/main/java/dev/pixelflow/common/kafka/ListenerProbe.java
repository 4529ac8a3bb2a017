package dev.pixelflow.common.kafka;

import dev.pixelflow.common.config.KafkaSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Why a cluster that accepts connections gives a client no answer. A listener that expects TLS drops a plaintext
 * client, and one that expects a SASL login drops a client that does not log in, without an error the client could
 * read: Kafka's clients only retry until their timeout. So after such a timeout this probe opens one connection to
 * the bootstrap address and starts a TLS handshake: whether a certificate comes back says whether the listener
 * speaks TLS, which, set against {@code KAFKA_SECURITY_PROTOCOL}, names the likely mismatch.
 *
 * <p>The handshake is always abandoned at the certificate: nothing is trusted and nothing is sent, so no setting of
 * the client (and no secret) is involved.
 */
public final class ListenerProbe {
    static final String PROTOCOL_VAR = "KAFKA_SECURITY_PROTOCOL";

    /** What the listener answered a TLS ClientHello with. */
    enum Speaks { TLS, NOT_TLS, UNKNOWN }

    private ListenerProbe() {
    }

    /**
     * The line naming the likely listener/protocol mismatch of a client with {@code settings} whose requests got no
     * answer, or empty when the listener cannot be reached or speaks what the client expects (then it is not this).
     */
    public static Optional<String> mismatch(KafkaSettings settings, Duration timeout) {
        return mismatch(settings, timeout, false);
    }

    /**
     * As {@link #mismatch(KafkaSettings, Duration)}, only when TLS is expected on one side and not on the other: a
     * fact, not a guess, so it may be asked as soon as a cluster is slow to answer. That a listener expects a login
     * is only a likely reason for silence (a broker still starting is silent too), asked after the full timeout.
     */
    public static Optional<String> transportMismatch(KafkaSettings settings, Duration timeout) {
        return mismatch(settings, timeout, true);
    }

    private static Optional<String> mismatch(KafkaSettings settings, Duration timeout, boolean transportOnly) {
        String protocol = settings.clientProperties().getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
        for (String address : settings.bootstrapServers().split(",")) {
            String hostPort = address.trim();
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                continue;
            }
            Speaks speaks;
            try {
                speaks = speaks(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)), timeout);
            } catch (NumberFormatException e) {
                continue;
            }
            if (speaks != Speaks.UNKNOWN) {
                boolean transport = (speaks == Speaks.TLS) != protocol.endsWith("SSL");
                return transportOnly && !transport ? Optional.empty() : explain(hostPort, protocol, speaks);
            }
        }
        return Optional.empty();
    }

    static Optional<String> explain(String address, String protocol, Speaks speaks) {
        boolean clientTls = protocol.endsWith("SSL");
        boolean clientSasl = protocol.startsWith("SASL_");
        String is = PROTOCOL_VAR + " is " + protocol + (protocol.equals("PLAINTEXT") ? " (the default)" : "");
        if (speaks == Speaks.TLS && !clientTls) {
            return Optional.of("the listener at " + address + " speaks TLS, but " + is + ": set " + PROTOCOL_VAR
                    + "=SASL_SSL (with KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG) or SSL, as the listener expects, "
                    + "and KAFKA_SSL_TRUSTSTORE_LOCATION to a truststore holding its CA");
        }
        if (speaks == Speaks.NOT_TLS && clientTls) {
            return Optional.of("the listener at " + address + " does not speak TLS, but " + is + ": set " + PROTOCOL_VAR
                    + "=" + (clientSasl ? "SASL_PLAINTEXT" : "PLAINTEXT") + ", or point KAFKA_BOOTSTRAP_SERVERS at the cluster's TLS listener");
        }
        if (!clientSasl) {
            // The transport matches, yet no answer: the listener closes connections that do not log in.
            String expected = clientTls ? "SASL_SSL" : "SASL_PLAINTEXT";
            return Optional.of("the listener at " + address + " answers no client that does not log in, and " + is
                    + " (no SASL login): it likely expects " + expected + "; set " + PROTOCOL_VAR + "=" + expected
                    + " with KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG");
        }
        return Optional.empty();
    }

    /** Starts a TLS handshake with {@code host:port}; a certificate coming back means TLS. */
    static Speaks speaks(String host, int port, Duration timeout) {
        CertificateSeen seen = new CertificateSeen();
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {seen}, null);
        } catch (GeneralSecurityException e) {
            return Speaks.UNKNOWN;
        }
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket raw = new Socket()) {
            try {
                raw.connect(new InetSocketAddress(host, port), millis);
            } catch (IOException unreachable) {
                return Speaks.UNKNOWN;
            }
            raw.setSoTimeout(millis);
            try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, host, port, false)) {
                tls.startHandshake();
                return Speaks.TLS; // not reached: the trust manager refuses every certificate
            } catch (java.net.SocketTimeoutException silent) {
                return seen.seen ? Speaks.TLS : Speaks.UNKNOWN;
            } catch (IOException e) {
                // A plaintext Kafka listener reads the ClientHello as a request of absurd size and closes the connection.
                return seen.seen ? Speaks.TLS : Speaks.NOT_TLS;
            }
        } catch (IOException e) {
            return seen.seen ? Speaks.TLS : Speaks.UNKNOWN;
        }
    }

    /** Notes that the server presented a certificate, then refuses it: the probe trusts nothing. */
    private static final class CertificateSeen implements X509TrustManager {
        private volatile boolean seen;

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            seen = true;
            throw new CertificateException("probe only: the certificate is not checked, the handshake ends here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
