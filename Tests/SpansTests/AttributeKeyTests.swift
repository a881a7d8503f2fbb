import OTelSemanticConventions
import Spans
import Testing

/// Tusk spells its standard attribute keys as literals (cheap on the hot path); they must stay
/// exactly the names of the semantic conventions package.
@Suite struct AttributeKeyTests {
    @Test func standardKeysAreTheConventionsNames() {
        let pairs: [(String, String)] = [
            (Attribute.dbSystemName, OTelAttribute.db.system.name),
            (Attribute.dbNamespace, OTelAttribute.db.namespace),
            (Attribute.dbQueryText, OTelAttribute.db.query.text),
            (Attribute.dbQuerySummary, OTelAttribute.db.query.summary),
            (Attribute.dbOperationName, OTelAttribute.db.operation.name),
            (Attribute.dbCollectionName, OTelAttribute.db.collection.name),
            (Attribute.dbStoredProcedureName, OTelAttribute.db.storedProcedure.name),
            (Attribute.dbOperationBatchSize, OTelAttribute.db.operation.batch.size),
            (Attribute.dbResponseStatusCode, OTelAttribute.db.response.statusCode),
            (Attribute.errorType, OTelAttribute.error.type),
            (Attribute.serverAddress, OTelAttribute.server.address),
            (Attribute.serverPort, OTelAttribute.server.port),
            (Attribute.networkPeerAddress, OTelAttribute.network.peer.address),
            (Attribute.networkPeerPort, OTelAttribute.network.peer.port),
            (Attribute.networkTransport, OTelAttribute.network.transport),
        ]
        for (ours, conventions) in pairs {
            #expect(ours == conventions)
        }
    }
}
