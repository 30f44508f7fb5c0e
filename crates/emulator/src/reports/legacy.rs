//! The legacy Azure AD Graph's fixed documents: its list of reports and its CSDL.

use bytes::Bytes;
use serde_json::Value;

use crate::reply::Reply;

/// `GET /{tenant}/reports?api-version=beta`.
pub(crate) fn report_list(base: &str, tenant: &str) -> Reply {
    let value: Vec<Value> = ["auditEvents", "signinEvents"]
        .iter()
        .map(|name| serde_json::json!({"Name": name, "LicenseRequired": if *name == "signinEvents" { "True" } else { "False" }}))
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"@odata.context": format!("{base}/{tenant}/$metadata#reports"), "value": value}),
    )
}

/// `GET /{tenant}/reports/$metadata?api-version=beta`.
pub(crate) fn metadata() -> Reply {
    const CSDL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="AuditEvent">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
        <Property Name="eventTime" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="actor" Type="Edm.String"/>
        <Property Name="action" Type="Edm.String"/>
        <Property Name="target" Type="Edm.String"/>
        <Property Name="actorDetail" Type="Edm.String"/>
        <Property Name="targetDetail" Type="Edm.String"/>
        <Property Name="updatedProperties" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="SigninEvent">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
        <Property Name="signinDateTime" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="userDisplayName" Type="Edm.String"/>
        <Property Name="userPrincipalName" Type="Edm.String"/>
        <Property Name="userId" Type="Edm.String"/>
        <Property Name="appId" Type="Edm.String"/>
        <Property Name="appDisplayName" Type="Edm.String"/>
        <Property Name="ipAddress" Type="Edm.String"/>
        <Property Name="loginStatus" Type="Edm.String"/>
      </EntityType>
      <EntityContainer Name="ReportingContainer">
        <EntitySet Name="auditEvents" EntityType="Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.AuditEvent"/>
        <EntitySet Name="signinEvents" EntityType="Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.SigninEvent"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;
    Reply::bytes(
        200,
        "application/xml;charset=utf-8",
        Bytes::from_static(CSDL.as_bytes()),
    )
}
