//! Buffers as large as the store: the file read whole, its entries decoded, the file sealed.
//!
//! At 100,000 credentials these are tens of MiB, and reading entries in stored order from
//! buckets (or the other way round when sealing) touches them all over. With 4 KiB pages each
//! such access missed the TLB as well as the cache, which made `store` grow faster than the
//! store (11x from 10,000 to 100,000 credentials, where 10x is linear); backed by huge pages
//! where the kernel offers them (Linux transparent huge pages in `madvise` or `always` mode),
//! it grows linearly. Elsewhere, and for small stores, these are plain `Vec`s.

/// Below this a buffer is too small to hold a whole huge page once aligned.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// An empty `Vec` with room for `capacity` items, its memory advised to be huge pages.
pub fn large<T>(capacity: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(capacity);
    #[cfg(target_os = "linux")]
    advise_huge_pages(v.as_ptr().cast(), capacity * std::mem::size_of::<T>());
    v
}

/// Ask for huge pages for the whole huge pages inside `len` bytes at `ptr`, before they are
/// first touched. Only a hint: a kernel without transparent huge pages, or with them off,
/// refuses or ignores it, and nothing changes.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *const u8, len: usize) {
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize + len) / HUGE_PAGE * HUGE_PAGE;
    if end <= start {
        return;
    }
    // SAFETY: madvise with MADV_HUGEPAGE changes neither the contents nor the mapping of the
    // range, only how the kernel backs it; the range lies inside an allocation we own.
    let _ = unsafe {
        rustix::mm::madvise(
            start as *mut std::ffi::c_void,
            end - start,
            rustix::mm::Advice::LinuxHugepage,
        )
    };
}

/// The whole file at `path` in a [`large`] buffer; `None` when it does not exist.
pub fn read_if_exists(path: &std::path::Path) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    // One byte more than the size, so that reading to the end needs no second buffer.
    let size = file.metadata()?.len() as usize;
    let mut bytes = large(size + 1);
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffers_hold_what_they_promise() {
        for n in [0, 1, 4096, 5 << 20] {
            let mut v: Vec<u64> = large(n);
            assert!(v.capacity() >= n);
            v.extend((0..n as u64).map(|i| i * 3));
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * 3));
        }
    }

    #[test]
    fn reads_whole_files_of_any_size_and_none_for_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0usize, 1, 4097, (6 << 20) + 3] {
            let path = dir.path().join(format!("f{n}"));
            let bytes: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read_if_exists(&path).unwrap().unwrap(), bytes, "{n} bytes");
        }
        assert!(
            read_if_exists(&dir.path().join("missing"))
                .unwrap()
                .is_none()
        );
    }
}
