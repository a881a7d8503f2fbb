import Export
import Testing

/// The standard OTEL_* variables, including percent-decoding, as the exporter reads them.
struct ExportSettingsTests {
    @Test func noEndpointMeansTheConsole() {
        #expect(ExportSettings.fromEnvironment([:]).traces.url == nil)
    }

    @Test func theGenericEndpointGetsTheSignalPath() {
        #expect(ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]).traces.url == "http://collector:4318/v1/traces")
        #expect(ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "https://c/otlp/"]).traces.url == "https://c/otlp/v1/traces")
    }

    @Test func theTracesEndpointIsUsedAsIs() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/custom/traces",
        ])
        #expect(settings.traces.url == "http://tempo:4318/custom/traces")
    }

    @Test func headersArePercentDecodedAndTheTracesVariableWinsPerKey() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Basic%20dXNlcjpwYXNz, X-Tenant = a%2Cb ,broken",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=traces",
        ])
        #expect(settings.traces.headers.map { "\($0.name)=\($0.value)" } == ["Authorization=Basic dXNlcjpwYXNz", "x-tenant=traces"])
        #expect(settings.warnings == ["OTEL_EXPORTER_OTLP_HEADERS: ignoring malformed member 'broken'"])
    }

    @Test func theTracesCertificateWinsOverTheGenericOne() {
        #expect(ExportSettings.fromEnvironment([:]).traces.certificatePath == nil)
        #expect(ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/ca.pem"]).traces.certificatePath == "/etc/ca.pem")
        let both = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/ca.pem", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": "/etc/traces-ca.pem",
        ])
        #expect(both.traces.certificatePath == "/etc/traces-ca.pem")
    }

    @Test func timeoutCompressionAndBatchSettings() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "GZIP",
            "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_BSP_EXPORT_TIMEOUT": "7000",
            "OTEL_BSP_MAX_QUEUE_SIZE": "1000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "50",
        ])
        #expect(settings.traces.timeout == .milliseconds(2500))
        #expect(settings.traces.compression == .gzip)
        #expect(settings.scheduleDelay == .milliseconds(100))
        #expect(settings.exportTimeout == .milliseconds(7000))
        #expect(settings.maxQueueSize == 1000)
        #expect(settings.maxExportBatchSize == 50)
        #expect(settings.warnings.isEmpty)
    }

    @Test func defaults() {
        let settings = ExportSettings.fromEnvironment([:])
        #expect(settings.traces.timeout == .seconds(10))
        #expect(settings.traces.compression == .none)
        #expect(settings.scheduleDelay == .seconds(5))
        #expect(settings.maxQueueSize == 30_000)
        #expect(settings.maxExportBatchSize == 512)
    }

    @Test func badValuesFallBackAndAreReported() {
        let settings = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_TIMEOUT": "ten", "OTEL_EXPORTER_OTLP_COMPRESSION": "zstd", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        ])
        #expect(settings.traces.timeout == .seconds(10))
        #expect(settings.traces.compression == .none)
        #expect(settings.warnings.count == 3)
    }

    @Test func metricsGetTheirOwnPathAndVariables() {
        let generic = ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"])
        #expect(generic.metrics.url == "http://collector:4318/v1/metrics")
        #expect(generic.metricsOverOTLP)
        #expect(generic.metricExportInterval == .seconds(60))
        #expect(generic.metricTemporality == .cumulative)
        let own = ExportSettings.fromEnvironment([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://mimir:4318/otlp/v1/metrics",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=a", "OTEL_EXPORTER_OTLP_METRICS_HEADERS": "X-Tenant=metrics",
            "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "gzip", "OTEL_METRIC_EXPORT_INTERVAL": "5000",
            "OTEL_METRIC_EXPORT_TIMEOUT": "2000", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "Delta",
            "OTEL_METRICS_EXPORTER": "none",
        ])
        #expect(own.metrics.url == "http://mimir:4318/otlp/v1/metrics")
        #expect(own.traces.url == "http://collector:4318/v1/traces")
        #expect(own.metrics.headers.map { "\($0.name)=\($0.value)" } == ["X-Tenant=metrics"])
        #expect(own.traces.headers.map { "\($0.name)=\($0.value)" } == ["x-tenant=a"])
        #expect(own.metrics.compression == .gzip && own.traces.compression == .none)
        #expect(own.metricExportInterval == .milliseconds(5000))
        #expect(own.metricExportTimeout == .milliseconds(2000))
        #expect(own.metricTemporality == .delta)
        #expect(!own.metricsOverOTLP)
        #expect(own.warnings.isEmpty)
    }

    @Test func aBadGenericValueIsReportedOnceThoughBothSignalsReadIt() {
        let settings = ExportSettings.fromEnvironment(["OTEL_EXPORTER_OTLP_TIMEOUT": "soon", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "sometimes"])
        #expect(settings.warnings == [
            "OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' is not a positive number of milliseconds",
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'sometimes' is not cumulative, delta or lowmemory",
        ])
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
