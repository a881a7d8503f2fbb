import Export
import Testing

/// The standard OTEL_* variables, including percent-decoding, as the exporter reads them.
struct ExportSettingsTests {
    @Test func noEndpointMeansTheConsole() {
        #expect(ExportSettings.fromEnvironment([:]).tracesURL == nil)
    }

    @Test func theGenericEndpointGetsTheSignalPath() {
        #expect(ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]).tracesURL == "http://collector:4318/v1/traces")
        #expect(ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "https://c/otlp/"]).tracesURL == "https://c/otlp/v1/traces")
    }

    @Test func theTracesEndpointIsUsedAsIs() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/custom/traces",
        ])
        #expect(settings.tracesURL == "http://tempo:4318/custom/traces")
    }

    @Test func headersArePercentDecodedAndTheTracesVariableWinsPerKey() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Basic%20dXNlcjpwYXNz, X-Tenant = a%2Cb ,broken",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=traces",
        ])
        #expect(settings.headers.map { "\($0.name)=\($0.value)" } == ["Authorization=Basic dXNlcjpwYXNz", "x-tenant=traces"])
        #expect(settings.warnings == ["OTEL_EXPORTER_OTLP_HEADERS: ignoring malformed member 'broken'"])
    }

    @Test func theTracesCertificateWinsOverTheGenericOne() {
        #expect(ExportSettings.fromEnvironment([:]).certificatePath == nil)
        #expect(ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/ca.pem"]).certificatePath == "/etc/ca.pem")
        let both = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/ca.pem", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": "/etc/traces-ca.pem",
        ])
        #expect(both.certificatePath == "/etc/traces-ca.pem")
    }

    @Test func timeoutCompressionAndBatchSettings() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "GZIP",
            "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_BSP_EXPORT_TIMEOUT": "7000",
            "OTEL_BSP_MAX_QUEUE_SIZE": "1000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "50",
        ])
        #expect(settings.timeout == .milliseconds(2500))
        #expect(settings.compression == .gzip)
        #expect(settings.scheduleDelay == .milliseconds(100))
        #expect(settings.exportTimeout == .milliseconds(7000))
        #expect(settings.maxQueueSize == 1000)
        #expect(settings.maxExportBatchSize == 50)
        #expect(settings.warnings.isEmpty)
    }

    @Test func defaults() {
        let settings = ExportSettings.fromEnvironment([:])
        #expect(settings.timeout == .seconds(10))
        #expect(settings.compression == .none)
        #expect(settings.scheduleDelay == .seconds(5))
        #expect(settings.maxQueueSize == 30_000)
        #expect(settings.maxExportBatchSize == 512)
    }

    @Test func badValuesFallBackAndAreReported() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_TIMEOUT": "ten", "OTEL_EXPORTER_OTLP_COMPRESSION": "zstd", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        ])
        #expect(settings.timeout == .seconds(10))
        #expect(settings.compression == .none)
        #expect(settings.warnings.count == 3)
    }

    @Test func resourceAttributesAndServiceName() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_SERVICE_NAME": "billing", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,team=db%20ops",
        ])
        #expect(settings.serviceName == "billing")
        #expect(settings.resourceAttributes.map { "\($0.key)=\($0.value)" } == ["deployment.environment=prod", "team=db ops"])
    }

    @Test(arguments: [("a%2", nil), ("%41%42", "AB"), ("%zz", nil), ("caf%C3%A9", "café"), ("%FF", nil)] as [(String, String?)])
    func percentDecoding(text: String, decoded: String?) {
        #expect(KeyValueList.percentDecoded(Substring(text)) == decoded)
    }
}
