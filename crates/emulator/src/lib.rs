//! A local Azure AD + Microsoft Graph reporting service.

/// Entry point of the `aad-emulator` binary.
pub fn main() -> aad_common::Result<()> {
    Err(aad_common::Error::internal("not implemented yet"))
}
