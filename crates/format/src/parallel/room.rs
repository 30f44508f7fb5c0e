//! How much address space an address-space limit (`ulimit -v`, RLIMIT_AS) leaves, read
//! from `/proc/self`.
//!
//! Not found out by trying a large allocation: glibc answers a failed `malloc` on the
//! main thread by making a new 64 MiB arena for it, so every failed probe would itself
//! take the room it was asking about. Where `/proc` is missing (not Linux) or there is
//! no limit, nothing is checked and a thread that cannot start is noticed when it fails.

/// Bytes the process may still map; `None` when there is no limit or it is unknown.
pub(super) fn address_space_left() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let limit = soft_address_space_limit(&limits)?;
    let used = vm_size(&status)?;
    Some(limit.saturating_sub(used))
}

/// The soft limit of "Max address space" in `/proc/self/limits`, in bytes.
fn soft_address_space_limit(limits: &str) -> Option<usize> {
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft = line["Max address space".len()..]
        .split_whitespace()
        .next()?;
    soft.parse().ok()
}

/// `VmSize` in `/proc/self/status`, in bytes.
fn vm_size(status: &str) -> Option<usize> {
    let line = status.lines().find(|l| l.starts_with("VmSize:"))?;
    let kib: usize = line["VmSize:".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_soft_limit_and_the_mapped_size() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63704                63704                processes \n\
                      Max address space         204800000            unlimited            bytes     \n";
        assert_eq!(soft_address_space_limit(limits), Some(204_800_000));
        let unlimited =
            "Max address space         unlimited            unlimited            bytes     \n";
        assert_eq!(soft_address_space_limit(unlimited), None);
        assert_eq!(
            vm_size("Name:\taad-format\nVmSize:\t    3892 kB\n"),
            Some(3892 * 1024)
        );
        assert_eq!(vm_size("Name:\taad-format\n"), None);
    }
}
