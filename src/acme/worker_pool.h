#pragma once
// WorkerPool runs validations off the HTTP threads with bounded concurrency and a bounded queue.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ca::acme {

class WorkerPool final {
 public:
  WorkerPool(size_t threads, size_t max_queue);
  ~WorkerPool();  // drains nothing: pending tasks are dropped, running ones finish
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Submit returns false when the queue is full (the caller answers rateLimited/unavailable).
  bool Submit(std::function<void()> task);
  void Stop();

 private:
  void Run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t max_queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ca::acme
